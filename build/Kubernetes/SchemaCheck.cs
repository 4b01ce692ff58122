using System.Text.Json.Nodes;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using MlflowGke.Build.Changes;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// Before a new migration Job runs under a running MLflow server: learns the database's revision and the new image's
/// head read-only (a Job made from the rendered migration Job that runs `migrate.py --check`), and when a migration
/// is due scales the server to zero, so that no old-version pod writes to the migrated schema. The server's Deployment,
/// applied after the migration, brings the replicas back. No migration due: the server keeps running (a rolling update).
/// </summary>
public sealed class SchemaCheck(IKubectl kubectl, ChangeGate changes, ICakeLog log, MigrationJob migrations)
{
    public const string ServerDeployment = "deployment.apps/mlflow";
    private const string MigrationJobSelector = "app=mlflow-migrate";
    private const string CheckComponent = "schema-check";

    /// <summary>A migration Job that has not run yet, and a server with replicas that would keep writing while it runs.</summary>
    public async Task<bool> IsNeededAsync(string migrationJob, CancellationToken cancellationToken = default) =>
        await kubectl.GetAsync("jobs.batch", migrationJob, cancellationToken) == null
        && (await kubectl.GetAsync("deployments.apps", "mlflow", cancellationToken))?["spec"]?["replicas"]?.GetValue<int>() > 0;

    /// <summary>Runs the check (plan: says what is known and what it would do) and scales the server to zero when a migration is due.</summary>
    public async Task StopServerIfMigrationDueAsync(FilePath manifest, string migrationJob, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (changes.IsPlan)
        {
            var recorded = await migrations.LastRecordedAsync(cancellationToken);
            log.Information(
                "PLAN the database was at schema {0} after {1}; the new image's head is known only once a read-only check Job has run. "
                + "If they differ, {2} is scaled to zero while the migration Job {3} runs.",
                SchemaState.Describe(recorded?.After), recorded?.Job ?? "no recorded migration Job", ServerDeployment, migrationJob);
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

        await changes.MakeAsync(
            $"scale {ServerDeployment} to 0 replicas before migrating {state}: old-version pods must not write to the migrated schema; MLflow is down until the new pods are ready",
            () => kubectl.RunAsync(new ProcessArgumentBuilder().Append("patch").Append(ServerDeployment).Append("--type=merge").AppendSwitchQuoted("--patch", "=", """{"spec":{"replicas":0}}"""), cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The rendered migration Job, renamed, with its own component label (the migration Job list must not see it) and
    /// running migrate.py --check; its pods keep app=mlflow-migrate, which the database's NetworkPolicy admits.
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

        job["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Add("--check");
        return job;
    }
}
