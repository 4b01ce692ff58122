using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The schema revisions the migration Job printed (null when its pod and logs are gone): MLflow's tracking schema, and
/// with AUTH=basic the basic-auth app's (its own alembic history in the database mlflow_auth).
/// </summary>
public sealed record SchemaMigration(string Job, string? Before, string? After, string? AuthBefore = null, string? AuthAfter = null)
{
    public override string ToString() => $"{Before ?? "unknown"} → {After ?? "unknown"} (migration Job {Job})";

    /// <summary>Reads the "schema before|after: REV" and "auth schema before|after: REV" lines of migrate.py.</summary>
    public static SchemaMigration Parse(string job, string logs) =>
        new(job, SchemaState.Line(logs, "schema before:"), SchemaState.Line(logs, "schema after:"), SchemaState.Line(logs, "auth schema before:"), SchemaState.Line(logs, "auth schema after:"));
}

/// <summary>The migration Job failed; the message carries its reason, events and the last pod's logs.</summary>
public sealed class MigrationFailedException(string message) : Exception(message);

/// <summary>
/// The Job that brings the database schema to the image's version (deployment/mlflow/base/migration-job.yaml):
/// waits for it to complete, polling every <paramref name="interval"/>, and explains a failure with the Job's events and
/// the last pod's logs. Only the Job's own verdict (Complete or Failed) ends the wait: its retries cover a database
/// that is still starting, and its activeDeadlineSeconds ends a pod that cannot start.
/// </summary>
public sealed class MigrationJob(IKubectl kubectl, ChangeGate changes, ICakeLog log, TimeSpan interval)
{
    public const string ComponentSelector = "app.kubernetes.io/component=migration";
    private const string Resource = "jobs.batch";

    /// <summary>The newest migration Job in the namespace (the one of the current image; Apply prunes older ones), or null.</summary>
    public async Task<string?> CurrentAsync(CancellationToken cancellationToken = default)
    {
        var jobs = await kubectl.ListAsync(Resource, ComponentSelector, cancellationToken);
        return jobs.OrderBy(job => job["metadata"]?["creationTimestamp"]?.ToString(), StringComparer.Ordinal)
            .Select(job => job["metadata"]!["name"]!.GetValue<string>())
            .LastOrDefault();
    }

    /// <summary>A failed Job never runs again by itself: Apply deletes it (with its pods) so that applying it again retries.</summary>
    public async Task DeleteIfFailedAsync(string job, CancellationToken cancellationToken = default)
    {
        if (await kubectl.GetAsync(Resource, job, cancellationToken) is { } live && Condition(live, "Failed") is { } failed)
        {
            await changes.MakeAsync(
                $"delete the failed migration Job {job} ({failed.Reason}) to run it again",
                () => kubectl.RunAsync(new ProcessArgumentBuilder().Append("delete").Append($"{Resource}/{job}").Append("--cascade=background").Append("--ignore-not-found"), cancellationToken: cancellationToken));
        }
    }

    /// <summary>Waits until <paramref name="job"/> completes; null in plan mode, where it only says what it would wait for.</summary>
    public async Task<SchemaMigration?> WaitAsync(string job, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (await WaitForOutputAsync(job, "migration Job", timeout, cancellationToken) is not { } output)
        {
            log.Information("PLAN would run the migration Job {0} and wait up to {1} for it before updating the MLflow server.", job, timeout);
            return null;
        }

        var migration = SchemaMigration.Parse(job, output);
        log.Information("Database schema: {0}", migration);
        return migration;
    }

    /// <summary>
    /// Waits until <paramref name="job"/> (a migration Job or a read-only check made from it) completes and returns what its
    /// pod printed ("" when the pod and its logs are gone); null in plan mode when it has not completed yet.
    /// </summary>
    public async Task<string?> WaitForOutputAsync(string job, string what, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var state = string.Empty;
        while (true)
        {
            var live = await kubectl.GetAsync(Resource, job, cancellationToken);
            if (live != null && Condition(live, "Complete") != null)
            {
                return await LogsAsync(job, cancellationToken) ?? string.Empty;
            }

            if (changes.IsPlan)
            {
                return null;
            }

            if (live != null && Condition(live, "Failed") is { } failed)
            {
                throw new MigrationFailedException(await ExplainAsync(job, what, failed, cancellationToken));
            }

            var now = live == null ? "not found yet (run Apply first)" : Progress(live);
            if (now != state)
            {
                log.Information("[{0,4:0}s] job.batch/{1}: {2}", clock.Elapsed.TotalSeconds, job, now);
                state = now;
            }

            if (clock.Elapsed >= timeout)
            {
                throw new TimeoutException(
                    $"Timed out after {timeout.TotalSeconds:0}s waiting for the {what} {job} ({state}); the MLflow server was not updated. "
                    + $"Look with `kubectl --context {kubectl.Context} -n {kubectl.Namespace} logs job/{job}`, or raise {SettingNames.WaitTimeout}; the Job keeps running and the next Apply waits for it again.");
            }

            await Task.Delay(interval, cancellationToken);
        }
    }

    /// <summary>What the newest completed migration Job printed, or null: the last schema state the suite recorded.</summary>
    public async Task<SchemaMigration?> LastRecordedAsync(CancellationToken cancellationToken = default) =>
        await CurrentAsync(cancellationToken) is { } job && await LogsAsync(job, cancellationToken) is { } logs ? SchemaMigration.Parse(job, logs) : null;

    private sealed record JobCondition(string Reason, string Message);

    private static JobCondition? Condition(JsonObject job, string type) =>
        job["status"]?["conditions"]?.AsArray().OfType<JsonObject>()
            .Where(condition => condition["type"]?.GetValue<string>() == type && condition["status"]?.GetValue<string>() == "True")
            .Select(condition => new JobCondition(condition["reason"]?.GetValue<string>() ?? type, condition["message"]?.GetValue<string>() ?? string.Empty))
            .FirstOrDefault();

    private static string Progress(JsonObject job)
    {
        int Count(string field) => job["status"]?[field]?.GetValue<int>() ?? 0;
        var attempts = (job["spec"]?["backoffLimit"]?.GetValue<int>() ?? 6) + 1;
        return Count("failed") == 0 ? $"running ({Count("active")} pod active)" : $"running, {Count("failed")} of {attempts} attempts failed";
    }

    /// <summary>The Job's pods, oldest first; the job controller labels them job-name=JOB.</summary>
    private async Task<IReadOnlyList<JsonObject>> PodsAsync(string job, CancellationToken cancellationToken) =>
        (await kubectl.ListAsync("pods", $"job-name={job}", cancellationToken))
            .OrderBy(pod => pod["metadata"]?["creationTimestamp"]?.ToString(), StringComparer.Ordinal)
            .ThenBy(pod => pod["metadata"]?["name"]?.ToString(), StringComparer.Ordinal)
            .ToList();

    private async Task<string?> LogsAsync(string job, CancellationToken cancellationToken)
    {
        var pod = (await PodsAsync(job, cancellationToken)).LastOrDefault(candidate => candidate["status"]?["phase"]?.GetValue<string>() == "Succeeded");
        if (pod == null)
        {
            return null;
        }

        var logs = await kubectl.LogsAsync(pod["metadata"]!["name"]!.GetValue<string>(), cancellationToken);
        return logs.ExitCode == 0 ? logs.Output : null;
    }

    /// <summary>The reason, the Job's and its last pod's recent events, and that pod's last 50 log lines.</summary>
    private async Task<string> ExplainAsync(string job, string what, JobCondition failed, CancellationToken cancellationToken)
    {
        var text = new StringBuilder()
            .AppendLine($"The {what} {job} failed ({failed.Reason}: {failed.Message}); the MLflow server was not updated.");
        await AppendEventsAsync(text, "job", job, cancellationToken);
        if ((await PodsAsync(job, cancellationToken)).LastOrDefault() is { } pod)
        {
            var podName = pod["metadata"]!["name"]!.GetValue<string>();
            await AppendEventsAsync(text, "pod", podName, cancellationToken);
            var logs = await kubectl.LogsAsync(podName, cancellationToken, tailLines: 50);
            text.AppendLine($"Last 50 log lines of pod {podName}:");
            text.AppendLine(logs.ExitCode == 0 ? logs.Output.TrimEnd() : $"  (no logs: {logs.Error.Trim()})");
        }

        return text.Append("Fix the cause (often the database login or its reachability), then run Apply again: it deletes the failed Job and runs it anew.").ToString();
    }

    private async Task AppendEventsAsync(StringBuilder text, string kind, string name, CancellationToken cancellationToken)
    {
        var events = await kubectl.ListAsync("events", null, cancellationToken, $"involvedObject.name={name}");
        text.AppendLine($"Recent events of {kind} {name}:");
        foreach (var item in events.OrderBy(item => item["lastTimestamp"]?.ToString(), StringComparer.Ordinal).TakeLast(10))
        {
            text.AppendLine($"  {item["type"]} {item["reason"]}: {item["message"]}");
        }
    }
}
