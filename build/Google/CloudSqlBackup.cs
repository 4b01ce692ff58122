using MlflowGke.Build.Backup;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Google;

/// <summary>
/// An on-demand backup run of the Cloud SQL instance (`POST .../instances/I/backupRuns`, operation BACKUP_VOLUME),
/// waited for until DONE; its id is what `gcloud sql backups restore` takes. It backs up the whole instance: every
/// database in it, mlflowdb included.
/// </summary>
public sealed class CloudSqlBackup(ISqlAdminApi sql, SqlOperationRunner operations, CloudSqlInstance instance) : IDatabaseBackup
{
    private const int RecentRuns = 20;

    public string Description => $"an on-demand backup run of Cloud SQL instance {instance.ConnectionName}";

    public async Task<TakenBackup> TakeAsync(BackupReason reason, CancellationToken cancellationToken)
    {
        var done = await operations.RunAsync(instance, "backup run", token => sql.InsertBackupRunAsync(instance, reason.Description, token), cancellationToken);
        if (done.Errors.Count > 0)
        {
            throw new BackupFailedException(
                $"The Cloud SQL backup run of {instance.ConnectionName} failed (operation {done.Name}): {string.Join("; ", done.Errors)}. "
                + $"The database schema was not migrated and the MLflow server was not changed. Fix the cause and run Apply again, or migrate without a backup with --skip-backup ({SettingNames.SkipBackup}=true).");
        }

        // The operation names its backup in backupContext; should it not, the run is found by the description we gave it.
        var id = done.BackupId
            ?? (await sql.ListBackupRunsAsync(instance, RecentRuns, cancellationToken)).FirstOrDefault(run => run.Description == reason.Description)?.Id
            ?? throw new BackupFailedException(
                $"The Cloud SQL backup run of {instance.ConnectionName} (operation {done.Name}) finished, but no backup run described \"{reason.Description}\" is listed; the schema was not migrated. "
                + $"Look with `gcloud sql backups list --instance={instance.Instance} --project={instance.Project}` and run Apply again.");
        return new TakenBackup(id, $"`gcloud sql backups restore {id} --restore-instance={instance.Instance} --project={instance.Project}`");
    }

    public async Task<string?> LastAsync(CancellationToken cancellationToken) =>
        (await sql.ListBackupRunsAsync(instance, 1, cancellationToken)).FirstOrDefault() is { } run
            ? $"{run.Id} ({run.Type}, {run.Status}{(run.EnqueuedTime is { } at ? $", {at:u}" : string.Empty)}{(run.Description is { Length: > 0 } description ? $": {description}" : string.Empty)})"
            : null;
}
