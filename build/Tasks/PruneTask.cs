using Cake.Frosting;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("Prune")]
[TaskDescription("Once the rollouts are ready, deletes the suite's objects the render no longer holds: the other database path's, earlier ConfigMaps and migration Jobs.")]
[IsDependentOn(typeof(WaitReadyTask))]
[RequiresSettings(SettingNames.KubeContext, SettingNames.ImageRepository, SettingNames.BucketNameMlflow, SettingNames.MlflowServiceAccountId, SettingNames.ProjectId)]
[RequiresSettings(SettingNames.CloudSqlInstanceName, SettingNames.ResourceSuffix, OnlyOn = [DatabasePath.CloudSql])]
[Preflight(PreflightCheck.KubeContext)]
[HoldsDeployLock]
public sealed class PruneTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var (settings, topology, kubernetes) = (context.Settings, context.Topology, context.Kubernetes);
        if (!context.RolloutsReady && !settings.IsPlan)
        {
            // Run alone: the running pods may still need what an older render created.
            await kubernetes.Waiter.WaitAsync(topology.Workloads, settings.WaitTimeout, context.Cancellation);
        }

        var rendered = context.Rendered ?? await context.Renderer.RenderAsync(await context.ImageResolver.ResolvePushedAsync(context.Cancellation));
        await kubernetes.Deployer.PruneAsync(rendered, topology.Database, settings.DeleteData, context.Cancellation);
    }
}
