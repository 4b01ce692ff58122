using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using MlflowGke.Build.Changes;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The Restore target's work on the in-cluster path: stops the MLflow server, replaces the database by a dump on the
/// volume mlflow-backups (a Job, <see cref="PostgresVolumeJob.Restore"/>), and deletes the migration Jobs so that the
/// next Apply checks the restored schema against its image again (and migrates, after a backup, if the image is newer).
/// </summary>
public sealed class PostgresRestore(IKubectl kubectl, ChangeGate changes, ICakeLog log, MigrationJob jobs, TimeProvider clock)
{
    public async Task RestoreAsync(string file, string database, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var statefulSet = await kubectl.GetAsync("statefulsets.apps", PostgresDumpJob.PostgresStatefulSet, cancellationToken)
            ?? throw new InvalidOperationException($"Nothing to restore into: statefulset/{PostgresDumpJob.PostgresStatefulSet} does not exist in namespace {kubectl.Namespace}. Deploy the in-cluster path first, then run Restore.");
        if (await kubectl.GetAsync("persistentvolumeclaims", PostgresDumpJob.ClaimName, cancellationToken) == null)
        {
            throw new InvalidOperationException($"The volume {PostgresDumpJob.ClaimName} does not exist in namespace {kubectl.Namespace}: no backup was ever taken here, so {file} is not on it.");
        }

        var image = statefulSet["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>();
        var restore = PostgresVolumeJob.Restore(kubectl.Namespace, database, image, clock.GetUtcNow(), file, timeout);
        if ((await kubectl.GetAsync("deployments.apps", "mlflow", cancellationToken))?["spec"]?["replicas"]?.GetValue<int>() > 0)
        {
            await changes.MakeAsync(
                $"scale {SchemaCheck.ServerDeployment} to 0 replicas: no server may write while the database is replaced",
                () => kubectl.RunAsync(new ProcessArgumentBuilder().Append("patch").Append(SchemaCheck.ServerDeployment).Append("--type=merge").AppendSwitchQuoted("--patch", "=", """{"spec":{"replicas":0}}"""), cancellationToken: cancellationToken));
        }

        await changes.MakeAsync($"replace database {database} by the dump {PostgresDumpJob.ClaimName}:{file} (Job {restore.JobName}: dropdb, createdb, pg_restore)", async () =>
        {
            await kubectl.ApplyAsync(restore.Job(), KubectlObjects.DeployFieldManager, cancellationToken);
            await jobs.WaitForOutputAsync(restore.JobName, "restore Job", timeout, cancellationToken);
        });
        foreach (var migration in (await kubectl.ListAsync("jobs.batch", MigrationJob.ComponentSelector, cancellationToken)).Select(job => $"job.batch/{job["metadata"]!["name"]!.GetValue<string>()}"))
        {
            await changes.MakeAsync(
                $"delete {migration}: the next Apply checks the restored schema against its image again",
                () => kubectl.RunAsync(new ProcessArgumentBuilder().Append("delete").Append(migration).Append("--cascade=background").Append("--ignore-not-found"), cancellationToken: cancellationToken));
        }

        log.Information(
            "Restored {0} into database {1}. The MLflow server stays at zero replicas: Deploy the image whose MLflow matches the restored schema (its revision is in the file name; "
            + "a newer image is migrated again, after a new backup).",
            file,
            database);
    }
}
