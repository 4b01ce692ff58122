using Cake.Frosting;
using MlflowGke.Build.Preflight;
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
        var image = context.DeployedImage = await context.ImageResolver.ResolvePushedAsync();
        var manifest = await context.Renderer.RenderAsync(image);
        await context.Kubernetes.Deployer.ApplyAsync(manifest, context.Topology.Database, context.Topology.DatabaseLogin, context.Settings.DeleteData);
    }
}
