using Cake.Frosting;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("Annotate")]
[IsDependentOn(typeof(BindWorkloadIdentityTask))]
[TaskDescription("Creates the namespace and service accounts, annotated for Workload Identity, before any pod uses them.")]
[RequiresSettings(SettingNames.KubeContext, SettingNames.ProjectId, SettingNames.MlflowServiceAccountId)]
[RequiresSettings(SettingNames.ResourceSuffix, OnlyOn = [DatabasePath.CloudSql])]
[Preflight(PreflightCheck.KubeContext)]
[HoldsDeployLock]
public sealed class AnnotateTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        await context.Kubernetes.Annotator.EnsureAsync(context.Topology.ServiceAccounts, context.Cancellation);
    }
}
