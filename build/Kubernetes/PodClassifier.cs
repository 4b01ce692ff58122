using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>How long WaitReady gives what may heal: a node the autoscaler has not yet asked for, a crashing container.</summary>
public sealed record WaitRules(TimeSpan ScaleUpGrace, int RestartLimit)
{
    public static WaitRules Default { get; } = new(TimeSpan.FromSeconds(90), 3);
}

/// <summary>One pod as WaitReady saw it in one poll.</summary>
/// <param name="Pod">The pod as `kubectl get pod -o json` returns it.</param>
/// <param name="Events">Its events (only fetched when <see cref="PodClassifier.NeedsEvents"/> says they matter).</param>
/// <param name="ObservedFor">How long WaitReady has seen this pod.</param>
/// <param name="DependenciesStarting">Workloads this pod's workload needs that have not rolled out yet.</param>
/// <param name="ExcusedRestarts">Per container, the restarts it had when WaitReady last saw a dependency still starting.</param>
public sealed record PodObservation(
    JsonObject Pod,
    IReadOnlyList<JsonObject> Events,
    TimeSpan ObservedFor,
    IReadOnlyList<string> DependenciesStarting,
    IReadOnlyDictionary<string, int> ExcusedRestarts);

/// <summary>What a pod's state means for the rollout.</summary>
public abstract record PodState
{
    public static PodState Fine { get; } = new Progressing();

    /// <summary>Starting as pods do; nothing to say beyond the container's own waiting reason.</summary>
    public sealed record Progressing : PodState;

    /// <summary>Stuck on something that heals by itself; <paramref name="Reason"/> says what WaitReady waits for.</summary>
    public sealed record Waiting(string Reason) : PodState;

    /// <summary>Will not heal by waiting: the reason and the evidence, and the container whose logs explain it.</summary>
    public sealed record Failed(string Reason, string Message, string? Container, bool Restarted) : PodState;
}

/// <summary>
/// Sorts a not-ready pod into what heals by waiting and what does not, by the rules of the README's WaitReady section:
/// Unschedulable waits while the cluster autoscaler scales up and fails on its refusal or when it stays silent for
/// <see cref="WaitRules.ScaleUpGrace"/>; a crash loop waits while the workload's dependencies start and fails at
/// <see cref="WaitRules.RestartLimit"/> restarts once one of them happened after the dependencies were ready; a pull
/// error fails when the same error came back twice, or at once when it cannot heal.
/// </summary>
public sealed partial class PodClassifier(WaitRules rules)
{
    private static readonly HashSet<string> PullErrors = ["ErrImagePull", "ImagePullBackOff"];
    private static readonly HashSet<string> AutoscalerRefusals = ["NotTriggerScaleUp", "FailedScaleUp"];

    /// <summary>Whether <see cref="Classify"/> needs the pod's events: only scheduling and pull problems are judged by them.</summary>
    public static bool NeedsEvents(JsonObject pod) =>
        !IsReady(pod) && (UnschedulableMessage(pod) != null || ContainerStatuses(pod).Any(status => PullErrors.Contains(WaitingReason(status) ?? string.Empty)));

    public PodState Classify(PodObservation observation)
    {
        // The API lists events by name, not by time.
        observation = observation with { Events = [.. observation.Events.OrderBy(item => item["lastTimestamp"]?.ToString() ?? item["eventTime"]?.ToString(), StringComparer.Ordinal)] };
        var pod = observation.Pod;
        if (IsReady(pod) || pod["metadata"]?["deletionTimestamp"] != null)
        {
            return PodState.Fine;
        }

        if (UnschedulableMessage(pod) is { } scheduler)
        {
            return Unschedulable(observation, scheduler);
        }

        var states = ContainerStatuses(pod).Select(status => Container(observation, status)).ToList();
        return states.OfType<PodState.Failed>().FirstOrDefault() ?? states.OfType<PodState.Waiting>().FirstOrDefault() ?? PodState.Fine;
    }

    internal static bool IsReady(JsonObject pod) =>
        pod["status"]?["conditions"]?.AsArray().Any(condition => condition?["type"]?.GetValue<string>() == "Ready" && condition["status"]?.GetValue<string>() == "True") == true;

    internal static IEnumerable<JsonObject> ContainerStatuses(JsonObject pod) =>
        (pod["status"]?["initContainerStatuses"]?.AsArray().OfType<JsonObject>() ?? []).Concat(pod["status"]?["containerStatuses"]?.AsArray().OfType<JsonObject>() ?? []);

    internal static string? WaitingReason(JsonObject status) => status["state"]?["waiting"]?["reason"]?.GetValue<string>();

    private static string? UnschedulableMessage(JsonObject pod) =>
        pod["status"]?["conditions"]?.AsArray().OfType<JsonObject>()
            .FirstOrDefault(condition => condition["type"]?.GetValue<string>() == "PodScheduled" && condition["reason"]?.GetValue<string>() == "Unschedulable")
            is { } condition ? condition["message"]?.GetValue<string>() ?? string.Empty : null;

    private static string Text(JsonNode? node, string field) => node?[field]?.GetValue<string>() ?? string.Empty;

    private PodState Unschedulable(PodObservation observation, string condition)
    {
        var scheduler = observation.Events.LastOrDefault(item => Text(item, "reason") == "FailedScheduling") is { } failed ? Text(failed, "message") : condition;
        if (observation.Events.LastOrDefault(item => AutoscalerRefusals.Contains(Text(item, "reason"))) is { } refusal)
        {
            return new PodState.Failed("Unschedulable", $"{scheduler} The cluster autoscaler will not add a node ({Text(refusal, "reason")}): {Text(refusal, "message")}", null, false);
        }

        if (observation.Events.LastOrDefault(item => Text(item, "reason") == "TriggeredScaleUp") is { } triggered)
        {
            var steps = ScaleUpStep().Matches(Text(triggered, "message")).Select(match => match.Value);
            return new PodState.Waiting($"waiting for a node: scale-up triggered {string.Join(", ", steps)}".TrimEnd());
        }

        var grace = rules.ScaleUpGrace.TotalSeconds;
        return observation.ObservedFor >= rules.ScaleUpGrace
            ? new PodState.Failed("Unschedulable", $"{scheduler} No scale-up was triggered within {grace:0}s ({SettingNames.WaitScaleUpGrace}): the cluster has no autoscaler for this pod, or a new node would not fit it either.", null, false)
            : new PodState.Waiting($"waiting for a node: {scheduler} (no scale-up triggered yet; gives up after {grace:0}s)");
    }

    private PodState Container(PodObservation observation, JsonObject status)
    {
        var name = Text(status, "name");
        var reason = WaitingReason(status);
        var message = Text(status["state"]?["waiting"], "message");
        var restarts = status["restartCount"]?.GetValue<int>() ?? 0;
        return reason switch
        {
            "InvalidImageName" or "ErrImageNeverPull" or "CreateContainerError" => new PodState.Failed(reason, message, name, restarts > 0),
            "ErrImagePull" or "ImagePullBackOff" => Pull(observation, name, reason, message),
            "CreateContainerConfigError" => MissingObject().IsMatch(message)
                ? new PodState.Failed(reason, message, name, restarts > 0)
                : new PodState.Waiting($"{name}: {reason}: {message} (the kubelet retries)"),
            _ when restarts > 0 && (reason is "CrashLoopBackOff" or "RunContainerError" || status["state"]?["terminated"]?["exitCode"]?.GetValue<int>() is not (null or 0)) => Crash(observation, status, name, reason ?? "Terminated", message, restarts),
            _ => PodState.Fine,
        };
    }

    private PodState Crash(PodObservation observation, JsonObject status, string name, string reason, string message, int restarts)
    {
        if (observation.DependenciesStarting.Count > 0)
        {
            var dependencies = observation.DependenciesStarting;
            return new PodState.Waiting($"{name} restarted {restarts}× while {string.Join(" and ", dependencies)} {(dependencies.Count == 1 ? "was" : "were")} starting");
        }

        var excused = observation.ExcusedRestarts.GetValueOrDefault(name);
        if (restarts <= excused)
        {
            return new PodState.Waiting($"{name} restarted {restarts}× while its dependencies were starting; waiting for its next start");
        }

        if (restarts < rules.RestartLimit)
        {
            return new PodState.Waiting($"{name} restarted {restarts}× (WaitReady gives up at {rules.RestartLimit})");
        }

        var last = status["lastState"]?["terminated"];
        var exit = last == null ? string.Empty : $", last exit code {last["exitCode"]} ({Text(last, "reason")})";
        return new PodState.Failed(reason, $"restarted {restarts}× ({SettingNames.WaitRestartLimit}={rules.RestartLimit}){exit}{(message.Length > 0 ? $": {message}" : string.Empty)}", name, true);
    }

    private static PodState Pull(PodObservation observation, string name, string reason, string message)
    {
        var image = (observation.Pod["spec"]?["initContainers"]?.AsArray() ?? []).Concat(observation.Pod["spec"]?["containers"]?.AsArray() ?? [])
            .FirstOrDefault(container => Text(container, "name") == name) is { } spec ? Text(spec, "image") : string.Empty;
        var failures = observation.Events
            .Where(item => Text(item, "reason") == "Failed" && Text(item, "message").StartsWith("Failed to pull image", StringComparison.Ordinal))
            .GroupBy(item => Text(item, "message"))
            .Select(group => (Error: group.Key, Count: group.Sum(item => item["count"]?.GetValue<int>() ?? 1)))
            .ToList();
        var error = reason == "ErrImagePull" && message.Length > 0 ? message : failures.LastOrDefault().Error ?? message;
        if (image.Contains("@sha256:", StringComparison.Ordinal) && NotFound().IsMatch(error))
        {
            return new PodState.Failed(reason, $"{error} (the image is pinned by digest, and a digest that is not in the registry never appears there by waiting)", name, false);
        }

        return reason == "ImagePullBackOff" && failures.FirstOrDefault(failure => failure.Count >= 2) is { Error: not null } repeated
            ? new PodState.Failed(reason, $"the same pull error came back {repeated.Count}×: {repeated.Error}", name, false)
            : new PodState.Waiting($"{name}: {reason} ({error}); the kubelet retries the pull");
    }

    [GeneratedRegex(@"\d+->\d+")]
    private static partial Regex ScaleUpStep();

    [GeneratedRegex(@"^(secret|configmap) ""[^""]+"" not found$|^couldn't find key \S+ in (Secret|ConfigMap) ")]
    private static partial Regex MissingObject();

    [GeneratedRegex(@"manifest unknown|code = NotFound|: not found", RegexOptions.IgnoreCase)]
    private static partial Regex NotFound();
}
