using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.Fakes.Kubernetes;

/// <summary>What the pods of one app (label app=…) do once created.</summary>
public enum PodBehaviour
{
    /// <summary>Scheduled, containers start, Ready after <see cref="WorkloadController.ReadyDelay"/>.</summary>
    BecomeReady,

    /// <summary>The container exits 1 again and again: waiting reason CrashLoopBackOff, restartCount grows, logs show the error.</summary>
    CrashLoop,

    /// <summary>The image cannot be pulled: ErrImagePull, then ImagePullBackOff.</summary>
    ImagePullFailure,

    /// <summary>A referenced Secret/ConfigMap key is missing: CreateContainerConfigError.</summary>
    ConfigError,

    /// <summary>No node fits: PodScheduled=False reason Unschedulable, phase Pending.</summary>
    Unschedulable,

    /// <summary>Pods never become ready and the Deployment reports Progressing=False, reason ProgressDeadlineExceeded.</summary>
    ProgressDeadlineExceeded,
}

/// <summary>
/// The parts of kube-controller-manager and kubelet the suite relies on, collapsed: writing a Deployment or
/// StatefulSet creates its pods at once (StatefulSets also their PVCs, which outlive the StatefulSet), pods then
/// follow their app's <see cref="PodBehaviour"/> after a short delay, and workload status is kept the way
/// `kubectl rollout status` reads it. Deployments own their pods directly (no ReplicaSet objects).
/// </summary>
public sealed partial class WorkloadController(ObjectStore store, ResourceCatalog catalog, CancellationToken stopping)
{
    private readonly ConcurrentDictionary<string, PodBehaviour> _behaviours = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _logs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _shownAt = new(StringComparer.Ordinal);
    private int _eventCounter;

    public TimeSpan ReadyDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The last log line of a crash-looping container.</summary>
    public string CrashLogError { get; set; } = "Error: could not connect to the database: connection refused";

    private ResourceType Pods => catalog.ByKind("Pod");

    public void SetBehaviour(string app, PodBehaviour behaviour) => _behaviours[app] = behaviour;

    public IReadOnlyList<string> Logs(string podName) => _logs.GetValueOrDefault(podName) ?? [];

    /// <summary>When each pod first showed its behaviour (Ready, CrashLoopBackOff, …), by pod name.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> ShownAt => _shownAt;

    /// <summary>Called after every write of a Deployment or StatefulSet.</summary>
    public void Reconcile(ResourceType type, string ns, string name)
    {
        var workload = store.Get(type, ns, name);
        if (workload == null)
        {
            return;
        }

        var template = workload["spec"]!["template"]!.AsObject();
        var revision = Hash(template);
        var replicas = workload["spec"]!["replicas"]?.GetValue<int>() ?? 1;
        var owned = OwnedPods(workload);
        var revisionLabel = type.Kind == "Deployment" ? "pod-template-hash" : "controller-revision-hash";
        var wanted = Enumerable.Range(0, replicas)
            .Select(ordinal => type.Kind == "Deployment" ? $"{name}-{revision}-{ordinal.ToString(CultureInfo.InvariantCulture)}" : $"{name}-{ordinal.ToString(CultureInfo.InvariantCulture)}")
            .ToList();
        foreach (var pod in owned.Where(pod => !wanted.Contains(PodName(pod)) || Label(pod, revisionLabel) != revision))
        {
            store.Delete(Pods, ns, PodName(pod));
        }

        for (var ordinal = 0; ordinal < wanted.Count; ordinal++)
        {
            if (type.Kind == "StatefulSet")
            {
                CreateClaims(workload, ordinal);
            }

            if (store.Get(Pods, ns, wanted[ordinal]) == null)
            {
                CreatePod(workload, template, wanted[ordinal], revisionLabel, revision);
            }
        }

        UpdateStatus(type, ns, name);
    }

    /// <summary>Cascading delete of what a workload owns (PVCs stay, as StatefulSet PVCs do by default).</summary>
    public void DeleteOwned(JsonObject workload)
    {
        foreach (var pod in OwnedPods(workload))
        {
            store.Delete(Pods, workload["metadata"]!["namespace"]!.GetValue<string>(), PodName(pod));
        }
    }

    private static string PodName(JsonObject pod) => pod["metadata"]!["name"]!.GetValue<string>();

    private static string? Label(JsonObject item, string key) => item["metadata"]?["labels"]?[key]?.GetValue<string>();

    private static string Hash(JsonNode node) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(node.ToJsonString())))[..10];

    private static bool IsReady(JsonObject pod) =>
        pod["status"]?["conditions"]?.AsArray().Any(condition => condition?["type"]?.GetValue<string>() == "Ready" && condition["status"]?.GetValue<string>() == "True") == true;

    private List<JsonObject> OwnedPods(JsonObject workload)
    {
        var uid = workload["metadata"]!["uid"]!.GetValue<string>();
        return store.List(Pods, workload["metadata"]!["namespace"]!.GetValue<string>())
            .Where(pod => pod["metadata"]?["ownerReferences"]?.AsArray().Any(owner => owner?["uid"]?.GetValue<string>() == uid) == true)
            .ToList();
    }

    private void CreateClaims(JsonObject statefulSet, int ordinal)
    {
        var claims = catalog.ByKind("PersistentVolumeClaim");
        var ns = statefulSet["metadata"]!["namespace"]!.GetValue<string>();
        foreach (var template in statefulSet["spec"]!["volumeClaimTemplates"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var name = $"{template["metadata"]!["name"]}-{statefulSet["metadata"]!["name"]}-{ordinal}";
            var labels = template["metadata"]?["labels"]?.DeepClone().AsObject() ?? [];
            foreach (var (key, value) in statefulSet["spec"]!["selector"]!["matchLabels"]!.AsObject())
            {
                labels[key] = value!.DeepClone();
            }

            store.Write(claims, ns, name, live => live != null ? null : new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "PersistentVolumeClaim",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labels },
                ["spec"] = template["spec"]!.DeepClone(),
                ["status"] = new JsonObject { ["phase"] = "Bound" },
            });
        }
    }

    private void CreatePod(JsonObject workload, JsonObject template, string name, string revisionLabel, string revision)
    {
        var ns = workload["metadata"]!["namespace"]!.GetValue<string>();
        var labels = template["metadata"]?["labels"]?.DeepClone().AsObject() ?? [];
        labels[revisionLabel] = revision;
        var containers = template["spec"]!["containers"]!.AsArray().OfType<JsonObject>().ToList();
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = workload["apiVersion"]!.DeepClone(),
                    ["kind"] = workload["kind"]!.DeepClone(),
                    ["name"] = workload["metadata"]!["name"]!.DeepClone(),
                    ["uid"] = workload["metadata"]!["uid"]!.DeepClone(),
                    ["controller"] = true,
                }),
            },
            ["spec"] = template["spec"]!.DeepClone(),
            ["status"] = PodStatus("Pending", scheduled: true, ready: false, containers, new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } }),
        };
        store.Write(Pods, ns, name, _ => pod);
        var behaviour = _behaviours.GetValueOrDefault(Label(pod, "app") ?? string.Empty, PodBehaviour.BecomeReady);
        _ = Task.Delay(ReadyDelay, stopping).ContinueWith(_ => Transition(workload, name, behaviour, containers), stopping, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private void Transition(JsonObject workload, string podName, PodBehaviour behaviour, List<JsonObject> containers)
    {
        var ns = workload["metadata"]!["namespace"]!.GetValue<string>();
        var image = containers[0]["image"]?.GetValue<string>();
        var (status, events) = behaviour switch
        {
            PodBehaviour.BecomeReady => (PodStatus("Running", true, true, containers, new JsonObject { ["running"] = new JsonObject { ["startedAt"] = ObjectStore.Timestamp() } }), []),
            PodBehaviour.CrashLoop => (PodStatus("Running", true, false, containers, Waiting("CrashLoopBackOff", $"back-off 40s restarting failed container={containers[0]["name"]} pod={podName}"), restarts: 3),
                new[] { ("Normal", "Started", "Started container"), ("Warning", "BackOff", "Back-off restarting failed container") }),
            PodBehaviour.ImagePullFailure => (PodStatus("Pending", true, false, containers, Waiting("ImagePullBackOff", $"Back-off pulling image \"{image}\"")),
                [("Warning", "Failed", $"Failed to pull image \"{image}\": rpc error: code = NotFound desc = {image}: not found"), ("Warning", "Failed", "Error: ErrImagePull")]),
            PodBehaviour.ConfigError => (PodStatus("Pending", true, false, containers, Waiting("CreateContainerConfigError", "secret \"mlflow-db-credentials\" not found")),
                [("Warning", "Failed", "Error: secret \"mlflow-db-credentials\" not found")]),
            PodBehaviour.Unschedulable => (PodStatus("Pending", false, false, [], null),
                [("Warning", "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")]),
            _ => (PodStatus("Pending", true, false, containers, Waiting("ContainerCreating", null)), Array.Empty<(string, string, string)>()),
        };
        if (behaviour == PodBehaviour.CrashLoop)
        {
            _logs[podName] = Enumerable.Range(1, 60).Select(line => $"log line {line}: connecting to database").Append(CrashLogError).ToList();
        }
        else if (behaviour == PodBehaviour.BecomeReady)
        {
            _logs[podName] = ["Listening at: http://0.0.0.0:5000"];
        }

        var (stored, _) = store.Write(Pods, ns, podName, live => live == null ? null : SetStatus(live, status));
        if (stored == null)
        {
            return;
        }

        _shownAt.TryAdd(podName, DateTimeOffset.UtcNow);
        foreach (var (type, reason, message) in events)
        {
            RecordEvent(stored, type, reason, message);
        }

        var workloadType = catalog.ByKind(workload["kind"]!.GetValue<string>());
        UpdateStatus(workloadType, ns, workload["metadata"]!["name"]!.GetValue<string>(), behaviour == PodBehaviour.ProgressDeadlineExceeded);
    }

    private static JsonObject SetStatus(JsonObject item, JsonObject status)
    {
        item["status"] = status;
        return item;
    }

    private static JsonObject Waiting(string reason, string? message) =>
        new() { ["waiting"] = message == null ? new JsonObject { ["reason"] = reason } : new JsonObject { ["reason"] = reason, ["message"] = message } };

    private static JsonObject PodStatus(string phase, bool scheduled, bool ready, List<JsonObject> containers, JsonObject? state, int restarts = 0)
    {
        var conditions = new JsonArray(Condition("PodScheduled", scheduled, scheduled ? null : "Unschedulable", scheduled ? null : "0/3 nodes are available: 3 Insufficient cpu."));
        if (scheduled)
        {
            conditions.Add(Condition("ContainersReady", ready, null, null));
            conditions.Add(Condition("Ready", ready, null, null));
        }

        var status = new JsonObject { ["phase"] = phase, ["conditions"] = conditions };
        if (containers.Count > 0)
        {
            status["containerStatuses"] = new JsonArray(containers.Select(container => (JsonNode)new JsonObject
            {
                ["name"] = container["name"]!.DeepClone(),
                ["image"] = container["image"]?.DeepClone(),
                ["ready"] = ready,
                ["restartCount"] = restarts,
                ["state"] = state?.DeepClone(),
                ["lastState"] = restarts > 0 ? new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 1, ["reason"] = "Error" } } : new JsonObject(),
            }).ToArray());
        }

        return status;
    }

    private static JsonObject Condition(string type, bool value, string? reason, string? message)
    {
        var condition = new JsonObject { ["type"] = type, ["status"] = value ? "True" : "False", ["lastTransitionTime"] = ObjectStore.Timestamp() };
        if (reason != null)
        {
            condition["reason"] = reason;
            condition["message"] = message;
        }

        return condition;
    }

    private void RecordEvent(JsonObject pod, string type, string reason, string message)
    {
        var events = catalog.ByKind("Event");
        var ns = pod["metadata"]!["namespace"]!.GetValue<string>();
        var name = $"{PodName(pod)}.{Interlocked.Increment(ref _eventCounter).ToString("x8", CultureInfo.InvariantCulture)}";
        store.Write(events, ns, name, _ => new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["involvedObject"] = new JsonObject { ["kind"] = pod["kind"]!.DeepClone(), ["namespace"] = ns, ["name"] = PodName(pod), ["uid"] = pod["metadata"]!["uid"]!.DeepClone() },
            ["type"] = type,
            ["reason"] = reason,
            ["message"] = message,
            ["count"] = 1,
            ["firstTimestamp"] = ObjectStore.Timestamp(),
            ["lastTimestamp"] = ObjectStore.Timestamp(),
            ["source"] = new JsonObject { ["component"] = reason == "FailedScheduling" ? "default-scheduler" : "kubelet" },
        });
    }

    private void UpdateStatus(ResourceType type, string ns, string name, bool deadlineExceeded = false)
    {
        store.Write(type, ns, name, workload =>
        {
            if (workload == null)
            {
                return null;
            }

            var pods = OwnedPods(workload);
            var ready = pods.Count(IsReady);
            var replicas = workload["spec"]!["replicas"]?.GetValue<int>() ?? 1;
            var revision = Hash(workload["spec"]!["template"]!);
            var status = new JsonObject
            {
                ["observedGeneration"] = workload["metadata"]!["generation"]!.DeepClone(),
                ["replicas"] = pods.Count,
                ["updatedReplicas"] = pods.Count,
                ["readyReplicas"] = ready,
                ["availableReplicas"] = ready,
            };
            if (type.Kind == "StatefulSet")
            {
                status["currentReplicas"] = pods.Count;
                status["currentRevision"] = $"{name}-{revision}";
                status["updateRevision"] = $"{name}-{revision}";
            }
            else
            {
                var complete = ready >= replicas;
                var wasDeadlineExceeded = workload["status"]?["conditions"]?.AsArray().Any(condition => condition?["reason"]?.GetValue<string>() == "ProgressDeadlineExceeded") == true;
                status["conditions"] = new JsonArray(
                    Condition("Available", complete, complete ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", complete ? "Deployment has minimum availability." : "Deployment does not have minimum availability."),
                    deadlineExceeded || wasDeadlineExceeded
                        ? Condition("Progressing", false, "ProgressDeadlineExceeded", $"ReplicaSet \"{name}-{revision}\" has timed out progressing.")
                        : Condition("Progressing", true, complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated", $"ReplicaSet \"{name}-{revision}\" is progressing."));
                foreach (var condition in status["conditions"]!.AsArray())
                {
                    condition!.AsObject().Remove("lastTransitionTime"); // keeps status stable when nothing changed
                }
            }

            return SetStatus(workload, status);
        });
    }
}
