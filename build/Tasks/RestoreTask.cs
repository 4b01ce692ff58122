using Cake.Frosting;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("Restore")]
[TaskDescription("In-cluster path: stops the MLflow server and replaces the database by a dump on the volume mlflow-backups (RESTORE_DUMP); the next Deploy checks the restored schema and starts the server.")]
[RequiresSettings(SettingNames.KubeContext, SettingNames.RestoreDump)]
[Preflight(PreflightCheck.KubeContext)]
[HoldsDeployLock]
public sealed class RestoreTask : AsyncFrostingTask<BuildContext>
{
    public override Task RunAsync(BuildContext context)
    {
        if (context.Topology.CloudSql is { } cloudSql)
        {
            throw new SettingsException(
            [
                new SettingError(
                    SettingNames.Get(SettingNames.Database),
                    context.Topology.Database.ToSettingValue(),
                    $"Restore loads a pg_dump into the in-cluster PostgreSQL; a Cloud SQL database goes back with `gcloud sql backups restore BACKUP_ID --restore-instance={cloudSql.Instance.Instance} --project={cloudSql.Instance.Project}` (the ID Apply printed before the migration)"),
            ]);
        }

        return context.Kubernetes.Restore.RestoreAsync(context.Settings.RestoreDump!, CloudSqlTarget.DatabaseName, context.Settings.WaitTimeout, context.Cancellation);
    }
}
