using Cake.Frosting;
using MlflowGke.Build.Google;
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
        context.ShouldRun(context.Settings.Database == DatabasePath.CloudSql, "runs on the cloud-sql path only");

    public override async Task RunAsync(BuildContext context)
    {
        using var google = GoogleCloud.Create(context);
        var database = new CloudSqlDatabase(google.SqlAdmin, google.Retry, context.Changes, context.Log);
        await database.EnsureAsync(context.Settings, CancellationToken.None);
    }
}
