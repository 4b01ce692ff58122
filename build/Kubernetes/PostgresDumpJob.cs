using System.Globalization;
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

        var dump = new PostgresDumpSpec(kubectl.Namespace, database, image, clock.GetUtcNow(), reason, timeout);
        await kubectl.ApplyAsync(dump.Job(), KubectlObjects.DeployFieldManager, cancellationToken);
        await jobs.WaitForOutputAsync(dump.JobName, "backup Job", timeout, cancellationToken);
        await kubectl.RunAsync(new ProcessArgumentBuilder().Append("annotate").Append($"persistentvolumeclaim/{ClaimName}").Append("--overwrite").Append($"{LastBackupAnnotation}={dump.File}"), cancellationToken: cancellationToken);
        return new TakenBackup($"{ClaimName}:{dump.File}", RestoreCommand(dump.File));
    }

    public async Task<string?> LastAsync(CancellationToken cancellationToken) =>
        (await kubectl.GetAsync("persistentvolumeclaims", ClaimName, cancellationToken))?["metadata"]?["annotations"]?[LastBackupAnnotation]?.GetValue<string>() is { } file
            ? $"{ClaimName}:{file}"
            : null;

    private string RestoreCommand(string file) =>
        $"scale deployment/mlflow to 0, then from a pod that mounts the volume {ClaimName} (image of statefulset/{PostgresStatefulSet}, PGHOST=postgres and the login of Secret mlflow-db-credentials in its environment) run "
        + $"`pg_restore --clean --if-exists --no-owner --dbname={database} {MountPath}/{file}`, then Deploy the image that matches the restored schema";

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

/// <summary>
/// The dump Job of one backup: named by <paramref name="At"/>, writing <see cref="File"/> (database, time and the schema
/// revision it holds) to the volume mlflow-backups, with the postgres image <paramref name="Image"/>.
/// </summary>
public sealed record PostgresDumpSpec(string Namespace, string Database, string Image, DateTimeOffset At, BackupReason Reason, TimeSpan Deadline)
{
    private string Stamp => At.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);

    public string JobName => $"mlflow-backup-{Stamp}";

    public string File => $"{Database}-{Stamp}-schema-{Reason.Schema.Database}.dump";

    public JsonObject Job()
    {
        // app=mlflow-migrate: the pods that may reach PostgreSQL (its NetworkPolicy) are MLflow's own and its database steps'.
        var labels = new JsonObject
        {
            ["app.kubernetes.io/name"] = "mlflow",
            ["app.kubernetes.io/component"] = PostgresDumpJob.ComponentLabel,
            ["app.kubernetes.io/managed-by"] = KubectlObjects.DeployFieldManager,
            ["app"] = "mlflow-migrate",
        };
        JsonObject Secret(string variable, string key) => new()
        {
            ["name"] = variable,
            ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = DatabaseCredentials.LoginSecretName, ["key"] = key } },
        };
        JsonObject Value(string variable, string value) => new() { ["name"] = variable, ["value"] = value };
        return new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject
            {
                ["name"] = JobName,
                ["namespace"] = Namespace,
                ["labels"] = labels.DeepClone(),
                ["annotations"] = new JsonObject { ["mlflow-gke-deploy/reason"] = Reason.Description },
            },
            ["spec"] = new JsonObject
            {
                ["backoffLimit"] = 2,
                ["activeDeadlineSeconds"] = (int)Deadline.TotalSeconds,
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
                    ["spec"] = new JsonObject
                    {
                        ["restartPolicy"] = "Never",
                        ["automountServiceAccountToken"] = false,
                        ["securityContext"] = new JsonObject
                        {
                            // uid/gid 999 is the "postgres" user of the official image; fsGroup lets it write to the volume.
                            ["runAsNonRoot"] = true,
                            ["runAsUser"] = 999,
                            ["runAsGroup"] = 999,
                            ["fsGroup"] = 999,
                            ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" },
                        },
                        ["containers"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "pg-dump",
                            ["image"] = Image,
                            ["imagePullPolicy"] = "IfNotPresent",
                            // Written under a temporary name and renamed: a dump that is there is complete.
                            ["command"] = new JsonArray("sh", "-c", "pg_dump --format=custom --no-password --file=\"$DUMP_FILE.partial\" && mv \"$DUMP_FILE.partial\" \"$DUMP_FILE\" && echo \"dump written: $DUMP_FILE\""),
                            ["env"] = new JsonArray(
                                Value("PGHOST", PostgresDumpJob.PostgresStatefulSet),
                                Value("PGPORT", "5432"),
                                Value("PGDATABASE", Database),
                                Secret("PGUSER", "username"),
                                Secret("PGPASSWORD", "password"),
                                Value("DUMP_FILE", $"{PostgresDumpJob.MountPath}/{File}")),
                            ["resources"] = new JsonObject
                            {
                                ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "128Mi" },
                                ["limits"] = new JsonObject { ["cpu"] = "1", ["memory"] = "512Mi" },
                            },
                            ["securityContext"] = new JsonObject
                            {
                                ["allowPrivilegeEscalation"] = false,
                                ["readOnlyRootFilesystem"] = true,
                                ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") },
                            },
                            ["volumeMounts"] = new JsonArray(
                                new JsonObject { ["name"] = "backups", ["mountPath"] = PostgresDumpJob.MountPath },
                                new JsonObject { ["name"] = "tmp", ["mountPath"] = "/tmp" }),
                        }),
                        ["volumes"] = new JsonArray(
                            new JsonObject { ["name"] = "backups", ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = PostgresDumpJob.ClaimName } },
                            new JsonObject { ["name"] = "tmp", ["emptyDir"] = new JsonObject() }),
                    },
                },
            },
        };
    }
}
