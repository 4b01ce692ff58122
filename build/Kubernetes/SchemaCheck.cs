using System.Text.Json.Nodes;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using MlflowGke.Build.Changes;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// Before a new migration Job runs on a database that may hold MLflow's data (a running server, the in-cluster
/// PostgreSQL, or Cloud SQL, which may be an adopted one): learns the database's revision and the new image's head
/// read-only (a Job made from the rendered migration Job that runs `migrate.py --check`); when a migration is due, runs
/// <see cref="IBeforeMigration"/> (the backup), then scales a running server to zero, so that no old-version pod writes
/// to the migrated schema. The server's Deployment, applied after the migration, brings the replicas back. No
/// migration due: the server keeps running (a rolling update).
/// </summary>
/// <param name="externalDatabase">The database lives outside the namespace (Cloud SQL): it may hold data before the suite's first deploy.</param>
public sealed class SchemaCheck(IKubectl kubectl, ChangeGate changes, ICakeLog log, MigrationJob migrations, bool externalDatabase)
{
    public const string ServerDeployment = "deployment.apps/mlflow";
    private const string MigrationJobSelector = "app=mlflow-migrate";
    private const string CheckComponent = "schema-check";

    /// <summary>The migration Job's auth database URI (AUTH=basic), which the read-only check must not be given.</summary>
    public const string AuthDatabaseVariable = "MLFLOW_AUTH_DATABASE_URI";

    /// <summary>A migration Job that has not run yet, on a database that may already hold MLflow's data.</summary>
    public async Task<bool> IsNeededAsync(string migrationJob, CancellationToken cancellationToken = default) =>
        await kubectl.GetAsync("jobs.batch", migrationJob, cancellationToken) == null
        && (externalDatabase || await ServerReplicasAsync(cancellationToken) > 0 || await kubectl.GetAsync("statefulsets.apps", "postgres", cancellationToken) != null);

    /// <summary>
    /// Runs the check (plan: says what is known and what it would do); when a migration is due, runs <paramref name="beforeMigration"/>
    /// and scales a running server to zero.
    /// </summary>
    public async Task StopServerIfMigrationDueAsync(FilePath manifest, string migrationJob, TimeSpan timeout, IBeforeMigration beforeMigration, CancellationToken cancellationToken = default)
    {
        if (changes.IsPlan)
        {
            var recorded = await migrations.LastRecordedAsync(cancellationToken);
            log.Information(
                "PLAN the database was at schema {0} after {1}; the new image's head is known only once a read-only check Job has run. "
                + "If they differ: {2}, then scale {3} to zero while the migration Job {4} runs.",
                SchemaState.Describe(recorded?.After), recorded?.Job ?? "no recorded migration Job", beforeMigration.Plan, ServerDeployment, migrationJob);
            return;
        }

        var checkJob = migrationJob.Replace("mlflow-migrate", "mlflow-schema-check", StringComparison.Ordinal);
        var job = await CheckJobAsync(manifest, checkJob, cancellationToken);
        await migrations.DeleteIfFailedAsync(checkJob, cancellationToken);
        await changes.MakeAsync($"run the read-only schema check Job {checkJob} (migrate.py --check)", () =>
            kubectl.RunAsync(new ProcessArgumentBuilder().Append("apply").Append("--server-side").AppendSwitchQuoted("--field-manager", "=", KubectlObjects.DeployFieldManager).Append("--filename=-"), job.ToJsonString(), cancellationToken: cancellationToken));
        var state = SchemaState.Parse(await migrations.WaitForOutputAsync(checkJob, "schema check Job", timeout, cancellationToken) ?? string.Empty);
        log.Information("Database {0} (schema check Job {1})", state, checkJob);
        if (!state.MigrationDue)
        {
            return;
        }

        var server = await kubectl.GetAsync("deployments.apps", "mlflow", cancellationToken);
        await beforeMigration.RunAsync(state, Image(server), Image(job)!, cancellationToken);
        if (server?["spec"]?["replicas"]?.GetValue<int>() is not > 0)
        {
            return;
        }

        await changes.MakeAsync(
            $"scale {ServerDeployment} to 0 replicas before migrating {state}: old-version pods must not write to the migrated schema; MLflow is down until the new pods are ready",
            () => kubectl.RunAsync(new ProcessArgumentBuilder().Append("patch").Append(ServerDeployment).Append("--type=merge").AppendSwitchQuoted("--patch", "=", """{"spec":{"replicas":0}}"""), cancellationToken: cancellationToken));
    }

    private async Task<int> ServerReplicasAsync(CancellationToken cancellationToken) =>
        (await kubectl.GetAsync("deployments.apps", "mlflow", cancellationToken))?["spec"]?["replicas"]?.GetValue<int>() ?? 0;

    /// <summary>The image of the first container of a Deployment or Job (the MLflow image), or null without one.</summary>
    private static string? Image(JsonObject? workload) =>
        workload?["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"]?.GetValue<string>();

    /// <summary>
    /// The rendered migration Job, renamed, with its own component label (the migration Job list must not see it) and
    /// running migrate.py --check without the auth database's URI; its pods keep app=mlflow-migrate, which the database's
    /// NetworkPolicy admits.
    /// </summary>
    private async Task<JsonObject> CheckJobAsync(FilePath manifest, string name, CancellationToken cancellationToken)
    {
        var rendered = await kubectl.RunAsync(
            new ProcessArgumentBuilder().Append("create").AppendSwitchQuoted("--filename", "=", manifest.FullPath).AppendSwitchQuoted("--selector", "=", MigrationJobSelector).Append("--dry-run=client").Append("--output=json"),
            cancellationToken: cancellationToken);
        var job = JsonNode.Parse(rendered.Output)!.AsObject();
        job["metadata"]!["name"] = name;
        foreach (var labels in new[] { job["metadata"]!["labels"], job["spec"]!["template"]!["metadata"]!["labels"] })
        {
            labels!["app.kubernetes.io/component"] = CheckComponent;
        }

        var container = job["spec"]!["template"]!["spec"]!["containers"]![0]!;
        container["args"]!.AsArray().Add("--check");
        container["env"]?.AsArray().RemoveAll(variable => variable?["name"]?.GetValue<string>() == AuthDatabaseVariable);
        return job;
    }
}
