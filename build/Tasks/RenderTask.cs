using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("Render")]
[TaskDescription("Writes the Kubernetes manifest for the chosen database path, pinned to the pushed image, to artifacts/render/PATH/manifest.yaml (local files only).")]
[RequiresSettings(SettingNames.BucketNameMlflow, SettingNames.MlflowServiceAccountId, SettingNames.ProjectId, SettingNames.ImageRepository)]
[RequiresSettings(SettingNames.CloudSqlInstanceName, SettingNames.ResourceSuffix, OnlyOn = [DatabasePath.CloudSql])]
public sealed class RenderTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var image = await context.ImageResolver.ResolvePushedAsync(context.Cancellation);
        var rendered = await context.Renderer.RenderAsync(image);
        context.Log.Information("Rendered the {0} manifest for {1} to {2} (migration Job {3})", context.Topology.Database.ToSettingValue(), image.Pinned, rendered.Manifest.FullPath, rendered.MigrationJob);
    }
}
