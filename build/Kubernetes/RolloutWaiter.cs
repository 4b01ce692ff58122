using Cake.Core;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>The rollout did not and will not complete; the message carries the reason, the pod's events and its logs.</summary>
public sealed class RolloutFailedException(string message) : Exception(message);

/// <summary>
/// Waits until the workloads have rolled out, judged as `kubectl rollout status` judges (observed generation,
/// updated, ready/available replicas, revisions), polling every <paramref name="interval"/> and printing one
/// plain line whenever a workload's state changes. Fails within one interval when a pod shows what does not heal
/// by waiting (image pull failure, crash loop, container config error, unschedulable, progress deadline).
/// </summary>
public sealed class RolloutWaiter(IKubectl kubectl, ICakeLog log, TimeSpan interval)
{
    private const string Complete = "rolled out";

    private static readonly HashSet<string> FatalWaitingReasons =
        ["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError"];

    public async Task WaitAsync(IReadOnlyList<Workload> workloads, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var states = workloads.ToDictionary(workload => workload, _ => string.Empty);
        while (true)
        {
            foreach (var workload in workloads.Where(workload => states[workload] != Complete))
            {
                var state = await CheckAsync(workload, cancellationToken);
                if (state != states[workload])
                {
                    log.Information("[{0,4:0}s] {1}: {2}", clock.Elapsed.TotalSeconds, workload.Resource, state);
                    states[workload] = state;
                }
            }

            if (states.Values.All(state => state == Complete))
            {
                log.Information("Ready: {0} rolled out in {1:0}s.", string.Join(", ", workloads.Select(workload => workload.Resource)), clock.Elapsed.TotalSeconds);
                return;
            }

            if (clock.Elapsed >= timeout)
            {
                var pending = states.Where(pair => pair.Value != Complete).Select(pair => $"{pair.Key.Resource} ({pair.Value})");
                throw new TimeoutException(
                    $"Timed out after {timeout.TotalSeconds:0}s waiting for {string.Join(", ", pending)}. "
                    + $"Look with `kubectl --context {kubectl.Context} -n {kubectl.Namespace} describe pods`, or raise {SettingNames.WaitTimeout}.");
            }

            await Task.Delay(interval, cancellationToken);
        }
    }

    private static string Rollout(JsonObject workload)
    {
        var generation = workload["metadata"]?["generation"]?.GetValue<long>() ?? 0;
        var status = workload["status"] as JsonObject ?? [];
        int Count(string field) => status[field]?.GetValue<int>() ?? 0;
        var wanted = workload["spec"]?["replicas"]?.GetValue<int>() ?? 1;
        if ((status["observedGeneration"]?.GetValue<long>() ?? 0) < generation)
        {
            return "waiting for the controller to observe the new spec";
        }

        if (workload["kind"]?.GetValue<string>() == "StatefulSet")
        {
            return Count("readyReplicas") < wanted ? $"{Count("readyReplicas")} of {wanted} pods ready"
                : status["updateRevision"]?.ToString() != status["currentRevision"]?.ToString() ? "pods updating to the new revision"
                : Complete;
        }

        return Count("updatedReplicas") < wanted ? $"{Count("updatedReplicas")} of {wanted} replicas updated"
            : Count("replicas") > Count("updatedReplicas") ? $"{Count("replicas") - Count("updatedReplicas")} old replicas pending termination"
            : Count("availableReplicas") < Count("updatedReplicas") ? $"{Count("availableReplicas")} of {Count("updatedReplicas")} updated replicas available"
            : Complete;
    }

    private async Task<string> CheckAsync(Workload workload, CancellationToken cancellationToken)
    {
        var live = await kubectl.GetAsync(workload.Resource.Split('/')[0], workload.Name, cancellationToken);
        if (live == null)
        {
            return "not found yet (run Apply first)";
        }

        var deadline = live["status"]?["conditions"]?.AsArray().OfType<JsonObject>()
            .FirstOrDefault(condition => condition["type"]?.GetValue<string>() == "Progressing" && condition["reason"]?.GetValue<string>() == "ProgressDeadlineExceeded");
        var selector = string.Join(',', (live["spec"]?["selector"]?["matchLabels"]?.AsObject() ?? []).Select(pair => $"{pair.Key}={pair.Value}"));
        var pods = await kubectl.ListAsync("pods", selector, cancellationToken);
        foreach (var pod in pods)
        {
            if (Diagnose(pod) is { } problem)
            {
                throw new RolloutFailedException(await ExplainAsync(workload, pod, problem, cancellationToken));
            }
        }

        if (deadline != null)
        {
            var pod = pods.FirstOrDefault(candidate => !IsReady(candidate));
            var problem = new PodProblem("ProgressDeadlineExceeded", deadline["message"]?.GetValue<string>() ?? string.Empty, pod?["spec"]?["containers"]?[0]?["name"]?.GetValue<string>(), false);
            throw new RolloutFailedException(pod == null
                ? $"{workload.Resource} will not become ready: ProgressDeadlineExceeded: {problem.Message}"
                : await ExplainAsync(workload, pod, problem, cancellationToken));
        }

        var rollout = Rollout(live);
        var waiting = pods.Select(Waiting).FirstOrDefault(reason => reason != null);
        return rollout == Complete || waiting == null ? rollout : $"{rollout} ({waiting})";
    }

    private sealed record PodProblem(string Reason, string Message, string? Container, bool Restarted);

    private static bool IsReady(JsonObject pod) =>
        pod["status"]?["conditions"]?.AsArray().Any(condition => condition?["type"]?.GetValue<string>() == "Ready" && condition["status"]?.GetValue<string>() == "True") == true;

    private static IEnumerable<JsonObject> ContainerStatuses(JsonObject pod) =>
        (pod["status"]?["initContainerStatuses"]?.AsArray().OfType<JsonObject>() ?? []).Concat(pod["status"]?["containerStatuses"]?.AsArray().OfType<JsonObject>() ?? []);

    private static string? Waiting(JsonObject pod) =>
        ContainerStatuses(pod).Select(status => status["state"]?["waiting"]?["reason"]?.GetValue<string>()).FirstOrDefault(reason => reason != null) is { } reason
            ? $"pod {pod["metadata"]!["name"]}: {reason}"
            : null;

    private static PodProblem? Diagnose(JsonObject pod)
    {
        foreach (var status in ContainerStatuses(pod))
        {
            var waiting = status["state"]?["waiting"];
            var reason = waiting?["reason"]?.GetValue<string>();
            if (reason != null && FatalWaitingReasons.Contains(reason))
            {
                return new PodProblem(reason, waiting?["message"]?.GetValue<string>() ?? string.Empty, status["name"]?.GetValue<string>(), (status["restartCount"]?.GetValue<int>() ?? 0) > 0);
            }
        }

        var unschedulable = pod["status"]?["conditions"]?.AsArray().OfType<JsonObject>()
            .FirstOrDefault(condition => condition["type"]?.GetValue<string>() == "PodScheduled" && condition["reason"]?.GetValue<string>() == "Unschedulable");
        return unschedulable == null ? null : new PodProblem("Unschedulable", unschedulable["message"]?.GetValue<string>() ?? string.Empty, null, false);
    }

    /// <summary>The reason, the pod's recent events and the container's last 50 log lines.</summary>
    private async Task<string> ExplainAsync(Workload workload, JsonObject pod, PodProblem problem, CancellationToken cancellationToken)
    {
        var podName = pod["metadata"]!["name"]!.GetValue<string>();
        var text = new StringBuilder()
            .Append($"{workload.Resource} will not become ready: pod {podName}")
            .Append(problem.Container == null ? string.Empty : $" container {problem.Container}")
            .AppendLine($" is {problem.Reason}: {problem.Message}");

        var events = await kubectl.ListAsync("events", null, cancellationToken, $"involvedObject.name={podName}");
        text.AppendLine($"Recent events of pod {podName}:");
        foreach (var item in events.OrderBy(item => item["lastTimestamp"]?.ToString(), StringComparer.Ordinal).TakeLast(10))
        {
            text.AppendLine($"  {item["type"]} {item["reason"]}: {item["message"]}");
        }

        if (problem.Container != null)
        {
            var arguments = new ProcessArgumentBuilder().Append("logs").Append(podName).AppendSwitchQuoted("--container", "=", problem.Container).Append("--tail=50");
            if (problem.Restarted)
            {
                arguments.Append("--previous");
            }

            var logs = await kubectl.RunAsync(arguments, acceptedExitCodes: [1], cancellationToken: cancellationToken);
            text.AppendLine($"Last 50 log lines of container {problem.Container}:");
            text.Append(logs.ExitCode == 0 ? logs.Output : $"  (no logs: {logs.Error.Trim()})");
        }

        return text.ToString();
    }
}
