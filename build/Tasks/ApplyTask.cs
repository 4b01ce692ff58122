using Cake.Frosting;
using MlflowGke.Build.Image;
using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Rendering;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("Apply")]
[TaskDescription("Renders the manifest with the pushed image's digest, creates the database Secret once, removes the other path's workloads, applies.")]
[IsDependentOn(typeof(AnnotateTask))]
[RequiresSettings(SettingNames.KubeContext, SettingNames.ImageRepository, SettingNames.BucketNameMlflow, SettingNames.MlflowServiceAccountId, SettingNames.ProjectId)]
[RequiresSettings(SettingNames.CloudSqlInstanceName, SettingNames.ResourceSuffix, SettingNames.DatabasePassword, OnlyOn = [DatabasePath.CloudSql])]
[Preflight(PreflightCheck.KubeContext)]
public sealed class ApplyTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var kubernetes = await KubernetesSteps.ConnectAsync(context);
        var image = context.DeployedImage = await ImageResolver.For(context).ResolvePushedAsync();
        var manifest = await new ManifestRenderer(context).RenderAsync(image);
        await kubernetes.Deployer.ApplyAsync(manifest, context.Settings.Database, DatabaseLogin.For(context.Settings), context.Settings.DeleteData);
    }
}
