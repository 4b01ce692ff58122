using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.Fakes.Kubernetes;

/// <summary>
/// The parts of kube-controller-manager and kubelet the suite relies on, collapsed: writing a Deployment or
/// StatefulSet creates its pods at once (StatefulSets also their PVCs, which outlive the StatefulSet), each pod then
/// follows its app's <see cref="PodScenario"/> timeline (scheduler, cluster autoscaler and kubelet statuses and
/// events, identical events counted as the real event recorder does), and workload status is kept the way
/// `kubectl rollout status` reads it. Deployments own their pods directly (no ReplicaSet objects) and roll out with
/// maxUnavailable 0: the old template's pods run until every pod of the new one is ready.
/// </summary>
public sealed partial class WorkloadController(ObjectStore store, ResourceCatalog catalog, CancellationToken stopping)
{
    private readonly ConcurrentDictionary<string, (PodBehaviour Behaviour, TimeSpan? Start)> _behaviours = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PodLife> _pods = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _holds = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<TimelineEntry> _timeline = new();
    private int _eventCounter;

    /// <summary>When the interesting part of every scenario starts, unless set per app.</summary>
    public TimeSpan ReadyDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The last log line of a crashing container.</summary>
    public string CrashLogError { get; set; } = "Error: could not connect to the database: connection refused";

    private ResourceType Pods => catalog.ByKind("Pod");

    /// <summary>Pods of <paramref name="app"/> created from now on follow <paramref name="behaviour"/>, starting after <paramref name="start"/> (default <see cref="ReadyDelay"/>).</summary>
    public void SetBehaviour(string app, PodBehaviour behaviour, TimeSpan? start = null) => _behaviours[app] = (behaviour, start);

    /// <summary>Pods of <paramref name="app"/> stay as created until <paramref name="release"/> completes; their timeline counts from then.</summary>
    public void HoldUntil(string app, Task release) => _holds[app] = release;

    public IReadOnlyList<string> Logs(string podName, bool previous) =>
        _pods.TryGetValue(podName, out var life) ? previous ? life.PreviousLogs : life.Logs : [];

    public int Restarts(string podName) => _pods.TryGetValue(podName, out var life) ? life.Restarts : 0;

    /// <summary>Every scenario step that reached storage, in order: which pod, which step, when.</summary>
    public IReadOnlyList<TimelineEntry> Timeline => [.. _timeline];

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
        // A Deployment's rolling update (maxUnavailable 0) keeps the old revision's pods until the new ones are ready.
        var newReady = type.Kind != "Deployment"
            || wanted.All(podName => owned.Any(pod => PodName(pod) == podName && Label(pod, revisionLabel) == revision && IsReady(pod)));
        foreach (var pod in owned.Where(pod => Label(pod, revisionLabel) == revision ? !wanted.Contains(PodName(pod)) : newReady))
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
        };
        var life = new PodLife(name, ns, containers[0]);
        _pods[name] = life;
        var (behaviour, start) = _behaviours.GetValueOrDefault(Label(pod, "app") ?? string.Empty, (PodBehaviour.BecomeReady, null));
        var steps = PodScenario.Of(behaviour, start ?? ReadyDelay, CrashLogError);
        var atCreation = steps.TakeWhile(step => step.At == TimeSpan.Zero).ToList();
        foreach (var step in atCreation)
        {
            step.Change(life);
        }

        pod["status"] = life.Status();
        var stored = store.Write(Pods, ns, name, _ => pod).Stored!;
        Recorded(stored, life, atCreation.Select(step => step.Label));
        _ = FollowAsync(workload, stored, life, steps.Skip(atCreation.Count).ToList());
    }

    /// <summary>Plays the rest of a pod's timeline; stops when the pod is deleted or the server stops.</summary>
    private async Task FollowAsync(JsonObject workload, JsonObject pod, PodLife life, IReadOnlyList<PodStep> steps)
    {
        if (_holds.TryGetValue(Label(pod, "app") ?? string.Empty, out var hold))
        {
            try
            {
                await hold.WaitAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var created = DateTimeOffset.UtcNow;
        var ns = workload["metadata"]!["namespace"]!.GetValue<string>();
        var uid = pod["metadata"]!["uid"]!.GetValue<string>();
        foreach (var step in steps)
        {
            var wait = created + step.At - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            step.Change(life);
            var (stored, _) = store.Write(Pods, ns, PodName(pod), live => live?["metadata"]?["uid"]?.GetValue<string>() != uid ? null : SetStatus(live!, life.Status()));
            if (stored == null)
            {
                return;
            }

            Recorded(stored, life, [step.Label]);
            var workloadType = catalog.ByKind(workload["kind"]!.GetValue<string>());
            UpdateStatus(workloadType, ns, workload["metadata"]!["name"]!.GetValue<string>(), life.DeadlineExceeded);
            if (workloadType.Kind == "Deployment" && IsReady(stored))
            {
                Reconcile(workloadType, ns, workload["metadata"]!["name"]!.GetValue<string>()); // the old revision's pods go now
            }
        }
    }

    /// <summary>Notes the steps in <see cref="Timeline"/> and records the events they produced, on <paramref name="item"/> (a pod, or the Job that owns it).</summary>
    private void Recorded(JsonObject item, PodLife life, IEnumerable<string> steps)
    {
        foreach (var step in steps)
        {
            _timeline.Enqueue(new TimelineEntry(PodName(item), step, DateTimeOffset.UtcNow));
        }

        foreach (var recorded in life.TakeEvents())
        {
            RecordEvent(item, recorded);
        }
    }

    private static JsonObject SetStatus(JsonObject item, JsonObject status)
    {
        item["status"] = status;
        return item;
    }

    /// <summary>As the real event recorder: an event identical to an earlier one of the pod only raises its count.</summary>
    private void RecordEvent(JsonObject pod, PodEvent item)
    {
        var events = catalog.ByKind("Event");
        var ns = pod["metadata"]!["namespace"]!.GetValue<string>();
        var earlier = store.List(events, ns).FirstOrDefault(known =>
            known["involvedObject"]?["name"]?.GetValue<string>() == PodName(pod)
            && known["reason"]?.GetValue<string>() == item.Reason
            && known["message"]?.GetValue<string>() == item.Message);
        var name = earlier?["metadata"]!["name"]!.GetValue<string>() ?? $"{PodName(pod)}.{Interlocked.Increment(ref _eventCounter).ToString("x8", CultureInfo.InvariantCulture)}";
        store.Write(events, ns, name, live =>
        {
            if (live != null)
            {
                live["count"] = (live["count"]?.GetValue<int>() ?? 1) + 1;
                live["lastTimestamp"] = ObjectStore.Timestamp();
                return live;
            }

            return new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Event",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
                ["involvedObject"] = new JsonObject { ["kind"] = pod["kind"]!.DeepClone(), ["namespace"] = ns, ["name"] = PodName(pod), ["uid"] = pod["metadata"]!["uid"]!.DeepClone() },
                ["type"] = item.Type,
                ["reason"] = item.Reason,
                ["message"] = item.Message,
                ["count"] = 1,
                ["firstTimestamp"] = ObjectStore.Timestamp(),
                ["lastTimestamp"] = ObjectStore.Timestamp(),
                ["source"] = new JsonObject { ["component"] = item.Source },
            };
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
            var replicas = workload["spec"]!["replicas"]?.GetValue<int>() ?? 1;
            var revision = Hash(workload["spec"]!["template"]!);
            var updated = pods.Where(pod => (Label(pod, "pod-template-hash") ?? Label(pod, "controller-revision-hash")) == revision).ToList();
            var ready = updated.Count(IsReady);
            var status = new JsonObject
            {
                ["observedGeneration"] = workload["metadata"]!["generation"]!.DeepClone(),
                ["replicas"] = pods.Count,
                ["updatedReplicas"] = updated.Count,
                ["readyReplicas"] = pods.Count(IsReady),
                ["availableReplicas"] = pods.Count(IsReady),
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
                    PodLife.Condition("Available", complete, complete ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", complete ? "Deployment has minimum availability." : "Deployment does not have minimum availability."),
                    deadlineExceeded || wasDeadlineExceeded
                        ? PodLife.Condition("Progressing", false, "ProgressDeadlineExceeded", $"ReplicaSet \"{name}-{revision}\" has timed out progressing.")
                        : PodLife.Condition("Progressing", true, complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated", $"ReplicaSet \"{name}-{revision}\" is progressing."));
                foreach (var condition in status["conditions"]!.AsArray())
                {
                    condition!.AsObject().Remove("lastTransitionTime"); // keeps status stable when nothing changed
                }
            }

            return SetStatus(workload, status);
        });
    }
}

/// <summary>A scenario step that happened to a pod.</summary>
public sealed record TimelineEntry(string Pod, string Step, DateTimeOffset At);
