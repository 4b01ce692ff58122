using System.Text.Json.Nodes;
using Cake.Core;
using Cake.Core.IO;
using MlflowGke.Build.Backup;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The in-cluster backup: a Job with the same postgres image the StatefulSet runs writes a custom-format pg_dump of
/// the database to the volume <see cref="ClaimName"/>, named by time and schema revision; the claim's annotation
/// <see cref="LastBackupAnnotation"/> names the newest dump. The login comes from the Secret mlflow-db-credentials as
/// environment variables (libpq reads PGUSER/PGPASSWORD), never from the command line.
/// </summary>
public sealed class PostgresDumpJob(IKubectl kubectl, MigrationJob jobs, string database, TimeSpan timeout, TimeProvider clock) : IDatabaseBackup
{
    public const string ClaimName = "mlflow-backups";
    public const string LastBackupAnnotation = "mlflow-gke-deploy/last-backup";
    public const string ComponentLabel = "backup";
    public const string MountPath = "/backups";
    public const string PostgresStatefulSet = "postgres";
    private const string ClaimSize = "10Gi";

    public string Description => $"a pg_dump of database {database} (custom format) to the volume {ClaimName}, by a Job";

    public async Task<TakenBackup> TakeAsync(BackupReason reason, CancellationToken cancellationToken)
    {
        var statefulSet = await kubectl.GetAsync("statefulsets.apps", PostgresStatefulSet, cancellationToken)
            ?? throw new BackupFailedException($"No backup: statefulset/{PostgresStatefulSet} does not exist in namespace {kubectl.Namespace}, so there is no in-cluster database to dump; the schema was not migrated.");
        var image = statefulSet["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>();
        if (await kubectl.GetAsync("persistentvolumeclaims", ClaimName, cancellationToken) == null)
        {
            await kubectl.ApplyAsync(Claim(), KubectlObjects.DeployFieldManager, cancellationToken);
        }

        var dump = PostgresVolumeJob.Dump(kubectl.Namespace, database, image, clock.GetUtcNow(), reason, timeout);
        await kubectl.ApplyAsync(dump.Job(), KubectlObjects.DeployFieldManager, cancellationToken);
        await jobs.WaitForOutputAsync(dump.JobName, "backup Job", timeout, cancellationToken);
        await kubectl.RunAsync(new ProcessArgumentBuilder().Append("annotate").Append($"persistentvolumeclaim/{ClaimName}").Append("--overwrite").Append($"{LastBackupAnnotation}={dump.File}"), cancellationToken: cancellationToken);
        return new TakenBackup($"{ClaimName}:{dump.File}", RestoreCommand(dump.File));
    }

    public async Task<string?> LastAsync(CancellationToken cancellationToken) =>
        (await kubectl.GetAsync("persistentvolumeclaims", ClaimName, cancellationToken))?["metadata"]?["annotations"]?[LastBackupAnnotation]?.GetValue<string>() is { } file
            ? $"{ClaimName}:{file}"
            : null;

    private static string RestoreCommand(string file) =>
        $"`./build.sh --target=Restore --restore-dump={file}`, then Deploy the image that matches the restored schema";

    private JsonObject Claim() => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "PersistentVolumeClaim",
        ["metadata"] = new JsonObject
        {
            ["name"] = ClaimName,
            ["namespace"] = kubectl.Namespace,
            // Not app=postgres: the backups outlive the database's own volume, even a --delete-data prune.
            ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = "mlflow", ["app.kubernetes.io/component"] = ComponentLabel },
        },
        ["spec"] = new JsonObject
        {
            ["accessModes"] = new JsonArray("ReadWriteOnce"),
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = ClaimSize } },
        },
    };
}
