using Cake.Frosting;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

// BindWorkloadIdentity → Annotate: the Google side of Workload Identity exists before the KSAs point at it.
[TaskName("BindWorkloadIdentity")]
[TaskDescription("IAM: lets MLflow's KSA act as its Google SA; on cloud-sql also creates the proxy's Google SA with roles/cloudsql.client.")]
[IsDependentOn(typeof(CreateDatabaseTask))]
[RequiresSettings(SettingNames.ProjectId, SettingNames.MlflowServiceAccountId)]
[RequiresSettings(SettingNames.ResourceSuffix, OnlyOn = [DatabasePath.CloudSql])]
[Preflight(PreflightCheck.GoogleCredentials)]
public sealed class BindWorkloadIdentityTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        await context.Google.WorkloadIdentity.BindAsync(context.Topology.ServiceAccounts, context.Settings.Namespace, context.Cancellation);
    }
}
