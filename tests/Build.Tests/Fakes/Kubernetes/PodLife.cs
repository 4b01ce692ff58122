using System.Globalization;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.Fakes.Kubernetes;

/// <summary>An event as the scheduler, the cluster autoscaler, the kubelet or the job controller records it.</summary>
public sealed record PodEvent(string Type, string Reason, string Message, string Source);

/// <summary>
/// One pod as the scheduler, the cluster autoscaler and the kubelet see it: the changes a <see cref="PodScenario"/>
/// makes, each with the status fields and events the real components write (first container only; enough for
/// the suite's pods). <see cref="Status"/> renders it as the pod's status.
/// </summary>
public sealed class PodLife(string podName, string ns, JsonObject container)
{
    public const string Scheduler = "default-scheduler";
    public const string Autoscaler = "cluster-autoscaler";
    public const string Kubelet = "kubelet";
    public const string JobController = "job-controller";

    private readonly List<PodEvent> _pending = [];
    private string? _unschedulable;
    private bool _scheduled;
    private bool _ready;
    private JsonObject? _state;
    private JsonObject? _lastTerminated;
    private string? _finished;

    public string ContainerName => container["name"]!.GetValue<string>();

    public string Image => container["image"]?.GetValue<string>() ?? string.Empty;

    public int Restarts { get; private set; }

    public bool DeadlineExceeded { get; private set; }

    /// <summary>What `kubectl logs` shows for the running (or last started) container.</summary>
    public IReadOnlyList<string> Logs { get; private set; } = [];

    /// <summary>What `kubectl logs --previous` shows: the container instance that terminated last.</summary>
    public IReadOnlyList<string> PreviousLogs { get; private set; } = [];

    /// <summary>Events recorded since the last call, in order.</summary>
    public IReadOnlyList<PodEvent> TakeEvents()
    {
        var events = _pending.ToList();
        _pending.Clear();
        return events;
    }

    public PodLife Event(string type, string reason, string message, string source = Kubelet)
    {
        _pending.Add(new PodEvent(type, reason, message, source));
        return this;
    }

    /// <summary>The scheduler finds no node: PodScheduled=False, reason Unschedulable, and a FailedScheduling event.</summary>
    public PodLife Unschedulable(string message)
    {
        _unschedulable = message;
        return Event("Warning", "FailedScheduling", message, Scheduler);
    }

    public PodLife Schedule(string node = "gke-mlflow-test-default-pool-5e1f2c3a-x7k2")
    {
        _unschedulable = null;
        _scheduled = true;
        _state = Waiting("ContainerCreating", null);
        return Event("Normal", "Scheduled", $"Successfully assigned {ns}/{podName} to {node}", Scheduler);
    }

    public PodLife Pulling() => Event("Normal", "Pulling", $"Pulling image \"{Image}\"");

    /// <summary>The kubelet's pull failed: waiting ErrImagePull carrying the runtime's error.</summary>
    public PodLife PullFails(string error)
    {
        _state = Waiting("ErrImagePull", error);
        return Event("Warning", "Failed", $"Failed to pull image \"{Image}\": {error}").Event("Warning", "Failed", "Error: ErrImagePull");
    }

    /// <summary>The kubelet waits before the next pull: waiting ImagePullBackOff.</summary>
    public PodLife PullBackOff()
    {
        _state = Waiting("ImagePullBackOff", $"Back-off pulling image \"{Image}\"");
        return Event("Normal", "BackOff", $"Back-off pulling image \"{Image}\"").Event("Warning", "Failed", "Error: ImagePullBackOff");
    }

    public PodLife ConfigError(string message)
    {
        _state = Waiting("CreateContainerConfigError", message);
        return Event("Warning", "Failed", $"Error: {message}");
    }

    /// <summary>The container starts (after a pull, or again after a back-off); not Ready until <see cref="BecomeReady"/>.</summary>
    public PodLife Start(IReadOnlyList<string> logs)
    {
        _scheduled = true;
        _state = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = ObjectStore.Timestamp() } };
        Logs = logs;
        var pulled = Restarts == 0 ? Event("Normal", "Pulled", $"Successfully pulled image \"{Image}\" in 412ms (412ms including waiting). Image size: 187364241 bytes.") : this;
        return pulled.Event("Normal", "Created", $"Created container: {ContainerName}").Event("Normal", "Started", $"Started container {ContainerName}");
    }

    public PodLife BecomeReady()
    {
        _ready = true;
        return this;
    }

    /// <summary>The container exits: restartCount grows, lastState.terminated says how, and the kubelet backs off (10s, 20s, 40s… on a real node).</summary>
    public PodLife Crash(IReadOnlyList<string> logs, int exitCode = 1)
    {
        Restarts++;
        _ready = false;
        PreviousLogs = logs;
        Logs = [];
        _lastTerminated = new JsonObject { ["exitCode"] = exitCode, ["reason"] = "Error", ["startedAt"] = ObjectStore.Timestamp(), ["finishedAt"] = ObjectStore.Timestamp() };
        var backOff = 10 * (1 << Math.Min(Restarts - 1, 5));
        _state = Waiting("CrashLoopBackOff", $"back-off {backOff.ToString(CultureInfo.InvariantCulture)}s restarting failed container={ContainerName} pod={podName}_{ns}");
        return Event("Warning", "BackOff", $"Back-off restarting failed container {ContainerName} in pod {podName}_{ns}");
    }

    /// <summary>The container runs to its end and is not restarted (a Job's pod): phase Succeeded (exit 0) or Failed (exit 1).</summary>
    public PodLife Finish(bool succeeded, IReadOnlyList<string> logs)
    {
        _finished = succeeded ? "Succeeded" : "Failed";
        Logs = logs;
        _state = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = succeeded ? 0 : 1, ["reason"] = succeeded ? "Completed" : "Error" } };
        return this;
    }

    /// <summary>The Deployment controller gives up: Progressing=False, ProgressDeadlineExceeded.</summary>
    public PodLife ExceedProgressDeadline()
    {
        DeadlineExceeded = true;
        return this;
    }

    public JsonObject Status()
    {
        var conditions = new JsonArray();
        if (_unschedulable != null)
        {
            conditions.Add(Condition("PodScheduled", false, "Unschedulable", _unschedulable));
        }
        else if (_scheduled)
        {
            conditions.Add(Condition("PodScheduled", true, null, null));
            conditions.Add(Condition("ContainersReady", _ready, null, null));
            conditions.Add(Condition("Ready", _ready, null, null));
        }

        var status = new JsonObject { ["phase"] = _finished ?? (_state?["running"] != null || Restarts > 0 ? "Running" : "Pending"), ["conditions"] = conditions };
        if (_scheduled)
        {
            status["containerStatuses"] = new JsonArray(new JsonObject
            {
                ["name"] = ContainerName,
                ["image"] = Image,
                ["ready"] = _ready,
                ["restartCount"] = Restarts,
                ["state"] = _state?.DeepClone(),
                ["lastState"] = _lastTerminated == null ? new JsonObject() : new JsonObject { ["terminated"] = _lastTerminated.DeepClone() },
            });
        }

        return status;
    }

    internal static JsonObject Condition(string type, bool value, string? reason, string? message)
    {
        var condition = new JsonObject { ["type"] = type, ["status"] = value ? "True" : "False", ["lastTransitionTime"] = ObjectStore.Timestamp() };
        if (reason != null)
        {
            condition["reason"] = reason;
            condition["message"] = message;
        }

        return condition;
    }

    private static JsonObject Waiting(string reason, string? message) =>
        new() { ["waiting"] = message == null ? new JsonObject { ["reason"] = reason } : new JsonObject { ["reason"] = reason, ["message"] = message } };
}
