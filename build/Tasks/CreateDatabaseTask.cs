using Cake.Frosting;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

// PushImage → CreateDatabase → BindWorkloadIdentity: the database and its user exist before anything connects to them.
[TaskName("CreateDatabase")]
[IsDependentOn(typeof(PushImageTask))]
[TaskDescription("Cloud SQL: creates the database mlflowdb and MLflow's user (DB_USER, or the proxy's IAM service account user) in the existing instance when missing.")]
[RequiresSettings(SettingNames.ProjectId, SettingNames.CloudSqlInstanceName, OnlyOn = [DatabasePath.CloudSql])]
[RequiresSettings(SettingNames.DatabasePassword, OnlyOn = [DatabasePath.CloudSql], OnlyWhen = $"{SettingNames.CloudSqlAuth}=password")]
[RequiresSettings(SettingNames.ResourceSuffix, OnlyOn = [DatabasePath.CloudSql], OnlyWhen = $"{SettingNames.CloudSqlAuth}=iam")]
[Preflight(PreflightCheck.GoogleCredentials, OnlyOn = [DatabasePath.CloudSql])]
public sealed class CreateDatabaseTask : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) =>
        context.ShouldRun(context.Topology.CloudSql != null, "runs on the cloud-sql path only");

    public override Task RunAsync(BuildContext context) => context.Google.CloudSqlDatabase.EnsureAsync(context.Topology.CloudSql!, context.Topology.DatabaseLogin.Password, context.Cancellation);
}
