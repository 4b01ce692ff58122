using Cake.Frosting;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

// PushImage → CreateDatabase → BindWorkloadIdentity: the database and its user exist before anything connects to them.
[TaskName("CreateDatabase")]
[IsDependentOn(typeof(PushImageTask))]
[TaskDescription("Cloud SQL: creates the database mlflowdb and the user DB_USER in the existing instance when missing.")]
[RequiresSettings(SettingNames.ProjectId, SettingNames.CloudSqlInstanceName, SettingNames.DatabasePassword, OnlyOn = [DatabasePath.CloudSql])]
[Preflight(PreflightCheck.GoogleCredentials, OnlyOn = [DatabasePath.CloudSql])]
public sealed class CreateDatabaseTask : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) =>
        context.ShouldRun(context.Topology.CloudSql != null, "runs on the cloud-sql path only");

    public override Task RunAsync(BuildContext context) => context.Google.CloudSqlDatabase.EnsureAsync(context.Settings, CancellationToken.None);
}
