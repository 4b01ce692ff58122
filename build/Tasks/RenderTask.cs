using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Image;
using MlflowGke.Build.Rendering;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("Render")]
[TaskDescription("Writes the Kubernetes manifest for the chosen database path to artifacts/render/PATH/manifest.yaml (local files only).")]
[RequiresSettings(SettingNames.BucketNameMlflow, SettingNames.MlflowServiceAccountId, SettingNames.ProjectId, SettingNames.ImageRepository)]
[RequiresSettings(SettingNames.CloudSqlInstanceName, SettingNames.ResourceSuffix, OnlyOn = [DatabasePath.CloudSql])]
public sealed class RenderTask : AsyncFrostingTask<BuildContext>
{
    // Until the image is tagged by the content of its build inputs, an unset IMAGE_TAG renders this tag.
    private const string UnresolvedImageTag = "unresolved-set-image-tag";

    public override async Task RunAsync(BuildContext context)
    {
        var manifest = await new ManifestRenderer(context).RenderAsync(Image(context.Settings));
        context.Log.Information("Rendered the {0} manifest to {1}", context.Settings.Database.ToSettingValue(), manifest.FullPath);
    }

    private static ImageReference Image(DeploySettings settings) => new(settings.ImageRepository, settings.ImageTag ?? UnresolvedImageTag);
}
