using System.Globalization;
using System.Text.Json.Nodes;
using MlflowGke.Build.Backup;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// A Job on the volume mlflow-backups with the postgres image the StatefulSet runs: <see cref="Dump"/> writes a backup,
/// <see cref="Restore"/> loads one. The login comes from the Secret mlflow-db-credentials as libpq's environment
/// variables, never from the command line; the pod fits the restricted Pod Security profile.
/// </summary>
public sealed record PostgresVolumeJob(string Namespace, string Database, string Image, string JobName, string File, string Component, string Reason, TimeSpan Deadline, string Script)
{
    /// <summary>Writes <see cref="File"/> (database, time and the schema revision it holds) under a temporary name, then renames it: a dump that is there is complete.</summary>
    public static PostgresVolumeJob Dump(string ns, string database, string image, DateTimeOffset at, BackupReason reason, TimeSpan deadline) => new(
        ns, database, image, $"mlflow-backup-{Stamp(at)}", $"{database}-{Stamp(at)}-schema-{reason.Schema.Database}.dump", PostgresDumpJob.ComponentLabel, reason.Description, deadline,
        "pg_dump --format=custom --no-password --file=\"$DUMP_FILE.partial\" && mv \"$DUMP_FILE.partial\" \"$DUMP_FILE\" && echo \"dump written: $DUMP_FILE\"");

    /// <summary>
    /// Replaces the database by the dump <paramref name="file"/>: dropped and created again (so no table of a later schema
    /// is left beside the restored ones), then pg_restore; the login owns what it restores.
    /// </summary>
    public static PostgresVolumeJob Restore(string ns, string database, string image, DateTimeOffset at, string file, TimeSpan deadline) => new(
        ns, database, image, $"mlflow-restore-{Stamp(at)}", file, "restore", $"Restore target: {file}", deadline,
        "test -f \"$DUMP_FILE\" && dropdb --if-exists --force \"$PGDATABASE\" && createdb \"$PGDATABASE\" && pg_restore --no-owner --exit-on-error --dbname=\"$PGDATABASE\" \"$DUMP_FILE\" && echo \"restored: $DUMP_FILE\"");

    private static string Stamp(DateTimeOffset at) => at.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);

    public JsonObject Job()
    {
        // app=mlflow-migrate: the pods that may reach PostgreSQL (its NetworkPolicy) are MLflow's own and its database steps'.
        var labels = new JsonObject
        {
            ["app.kubernetes.io/name"] = "mlflow",
            ["app.kubernetes.io/component"] = Component,
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
                ["annotations"] = new JsonObject { ["mlflow-gke-deploy/reason"] = Reason },
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
                            ["name"] = Component,
                            ["image"] = Image,
                            ["imagePullPolicy"] = "IfNotPresent",
                            ["command"] = new JsonArray("sh", "-c", Script),
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
