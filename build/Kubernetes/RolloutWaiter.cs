using Cake.Core;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>The rollout did not and will not complete; the message carries the reason, the pod's events and its logs.</summary>
public sealed class RolloutFailedException(string message, Workload? workload = null) : Exception(message)
{
    /// <summary>The workload that will not become ready, when known.</summary>
    public Workload? Workload { get; } = workload;
}

/// <summary>
/// Waits until the workloads have rolled out, judged as `kubectl rollout status` judges (observed generation,
/// updated, ready/available replicas, revisions), polling every <paramref name="interval"/> and printing one
/// plain line whenever a workload's state changes. Each not-ready pod is judged by <see cref="PodClassifier"/>:
/// what heals by waiting (a node being added, a dependency starting, a retried pull) is waited for and named in the
/// line; what does not fails at once with the pod's events and logs. Workloads listed before another are its
/// dependencies (the database before mlflow).
/// </summary>
public sealed class RolloutWaiter(IKubectl kubectl, ICakeLog log, TimeSpan interval, WaitRules rules)
{
    private const string Complete = "rolled out";

    private readonly PodClassifier _classifier = new(rules);

    public async Task WaitAsync(IReadOnlyList<Workload> workloads, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var pods = new PodMemory(clock);
        var states = workloads.ToDictionary(workload => workload, _ => string.Empty);

        // The timeout also stops a kubectl call that hangs, so no call outlives WAIT_TIMEOUT.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            for (var index = 0; index < workloads.Count; index++)
            {
                var workload = workloads[index];
                if (states[workload] == Complete)
                {
                    continue;
                }

                var starting = workloads.Take(index).Where(dependency => states[dependency] != Complete).Select(dependency => dependency.Name).ToList();
                string state;
                try
                {
                    state = await CheckAsync(workload, pods, starting, deadline.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The timeout cut this check short: what was seen last still describes the workload best.
                    state = states[workload].Length > 0 ? states[workload] : "no answer from the API server before the timeout";
                }

                if (state != states[workload])
                {
                    log.Information("[{0,4:0}s] {1}: {2}", clock.Elapsed.TotalSeconds, workload.Resource, state);
                    states[workload] = state;
                }

                if (deadline.IsCancellationRequested)
                {
                    break;
                }
            }

            if (states.Values.All(state => state == Complete))
            {
                log.Information("Ready: {0} rolled out in {1:0}s.", string.Join(", ", workloads.Select(workload => workload.Resource)), clock.Elapsed.TotalSeconds);
                return;
            }

            if (clock.Elapsed >= timeout || deadline.IsCancellationRequested)
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

    private async Task<string> CheckAsync(Workload workload, PodMemory memory, IReadOnlyList<string> dependenciesStarting, CancellationToken cancellationToken)
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
        var waiting = new List<string>();
        // A terminating pod (the failed template's, after a rollback) is no longer part of the rollout.
        foreach (var pod in pods.Where(pod => pod["metadata"]?["deletionTimestamp"] == null))
        {
            var events = PodClassifier.NeedsEvents(pod) ? await EventsAsync(PodName(pod), cancellationToken) : [];
            switch (_classifier.Classify(memory.Observe(pod, events, dependenciesStarting)))
            {
                case PodState.Failed failed:
                    throw new RolloutFailedException(await ExplainAsync(workload, pod, failed, cancellationToken), workload);
                case PodState.Waiting wait:
                    waiting.Add($"pod {PodName(pod)}: {wait.Reason}");
                    break;
                default:
                    if (PodClassifier.ContainerStatuses(pod).Select(PodClassifier.WaitingReason).FirstOrDefault(reason => reason != null) is { } reason)
                    {
                        waiting.Add($"pod {PodName(pod)}: {reason}");
                    }

                    break;
            }
        }

        if (deadline != null)
        {
            var pod = pods.FirstOrDefault(candidate => !PodClassifier.IsReady(candidate));
            var problem = new PodState.Failed("ProgressDeadlineExceeded", deadline["message"]?.GetValue<string>() ?? string.Empty, pod?["spec"]?["containers"]?[0]?["name"]?.GetValue<string>(), false);
            throw new RolloutFailedException(pod == null
                ? $"{workload.Resource} will not become ready: ProgressDeadlineExceeded: {problem.Message}"
                : await ExplainAsync(workload, pod, problem, cancellationToken), workload);
        }

        var rollout = Rollout(live);
        return rollout == Complete || waiting.Count == 0 ? rollout : $"{rollout} ({waiting[0]})";
    }

    private static string PodName(JsonObject pod) => pod["metadata"]!["name"]!.GetValue<string>();

    private Task<IReadOnlyList<JsonObject>> EventsAsync(string podName, CancellationToken cancellationToken) =>
        kubectl.ListAsync("events", null, cancellationToken, $"involvedObject.name={podName}");

    /// <summary>What WaitReady remembers of each pod between polls: when it first saw it, and the restarts it forgives.</summary>
    private sealed class PodMemory(Stopwatch clock)
    {
        private readonly Dictionary<string, TimeSpan> _firstSeen = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Dictionary<string, int>> _excused = new(StringComparer.Ordinal);

        public PodObservation Observe(JsonObject pod, IReadOnlyList<JsonObject> events, IReadOnlyList<string> dependenciesStarting)
        {
            var name = PodName(pod);
            var firstSeen = _firstSeen.TryAdd(name, clock.Elapsed) ? clock.Elapsed : _firstSeen[name];
            var excused = _excused.TryGetValue(name, out var known) ? known : _excused[name] = new Dictionary<string, int>(StringComparer.Ordinal);
            if (dependenciesStarting.Count > 0)
            {
                foreach (var status in PodClassifier.ContainerStatuses(pod))
                {
                    excused[status["name"]!.GetValue<string>()] = status["restartCount"]?.GetValue<int>() ?? 0;
                }
            }

            return new PodObservation(pod, events, clock.Elapsed - firstSeen, dependenciesStarting, excused);
        }
    }

    /// <summary>The reason, the pod's recent events and the container's last 50 log lines.</summary>
    private async Task<string> ExplainAsync(Workload workload, JsonObject pod, PodState.Failed problem, CancellationToken cancellationToken)
    {
        var podName = PodName(pod);
        var text = new StringBuilder()
            .Append($"{workload.Resource} will not become ready: pod {podName}")
            .Append(problem.Container == null ? string.Empty : $" container {problem.Container}")
            .AppendLine($" is {problem.Reason}: {problem.Message}");

        var events = await EventsAsync(podName, cancellationToken);
        text.AppendLine($"Recent events of pod {podName}:");
        foreach (var item in events.OrderBy(item => item["lastTimestamp"]?.ToString(), StringComparer.Ordinal).TakeLast(10))
        {
            var count = item["count"]?.GetValue<int>() ?? 1;
            text.AppendLine($"  {item["type"]} {item["reason"]}{(count > 1 ? $" (×{count})" : string.Empty)}: {item["message"]}");
        }

        if (problem.Container != null)
        {
            var logs = await kubectl.LogsAsync(podName, cancellationToken, problem.Container, tailLines: 50, previous: problem.Restarted);
            text.AppendLine($"Last 50 log lines of container {problem.Container}:");
            text.Append(logs.ExitCode == 0 ? logs.Output : $"  (no logs: {logs.Error.Trim()})");
        }

        return text.ToString();
    }
}
