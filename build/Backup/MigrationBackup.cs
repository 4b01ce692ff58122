using Cake.Core.Diagnostics;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Backup;

/// <summary>
/// Apply's step between learning that a migration is due and the migration itself: takes the database backup, or
/// with SKIP_BACKUP says loudly that there is none. A database without MLflow's tables has nothing to lose and no backup.
/// </summary>
public sealed class MigrationBackup(Func<IDatabaseBackup> backup, bool skip, ChangeGate changes, ICakeLog log) : IBeforeMigration
{
    /// <summary>The warning in the log and the summary when a migration ran without a backup.</summary>
    public const string SkippedWarning = $"NO BACKUP was taken before the schema migration ({SettingNames.SkipBackup}=true): a failed or unwanted migration cannot be undone.";

    /// <summary>The backup this run took before migrating, for the summary and a rollback refusal.</summary>
    public TakenBackup? Taken { get; private set; }

    /// <summary>True when a migration was due and SKIP_BACKUP left it without a backup.</summary>
    public bool Skipped { get; private set; }

    public string Plan => skip ? $"migrate WITHOUT a backup ({SettingNames.SkipBackup}=true)" : $"take {backup().Description} first";

    public async Task RunAsync(SchemaState schema, string? fromImage, string toImage, CancellationToken cancellationToken)
    {
        if (schema.Database == SchemaState.NoSchema)
        {
            log.Information("No backup before the migration: the database has no MLflow tables yet.");
            return;
        }

        if (skip)
        {
            Skipped = true;
            log.Warning("{0} Migrating {1}.", SkippedWarning, schema);
            return;
        }

        var database = backup();
        var reason = new BackupReason(schema, fromImage, toImage);
        await changes.MakeAsync($"back up the database before migrating {schema}: {database.Description}", async () =>
        {
            Taken = await database.TakeAsync(reason, cancellationToken);
            log.Information("Backup {0} taken before the migration ({1}); to go back to it: {2}", Taken.Id, reason.Description, Taken.RestoreCommand);
        });
    }
}
