using System.Text.Json.Nodes;
using MlflowGke.Build.Kubernetes;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>Pod JSON and events as GKE's scheduler, cluster autoscaler and kubelet write them, judged without a cluster.</summary>
public sealed class PodClassifierTests
{
    private const string Digest = "europe-west1-docker.pkg.dev/p/mlflow/mlflow@sha256:1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988";
    private const string Tagged = "postgres:16.4-bookworm";
    private const string Scheduler = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    private const string Forbidden = "rpc error: code = Unknown desc = failed to pull and unpack image: failed to authorize: 403 Forbidden";

    private static readonly PodClassifier Classifier = new(new WaitRules(TimeSpan.FromSeconds(90), 3));

    [Test]
    public void An_unschedulable_pod_with_a_triggered_scale_up_waits_for_the_node()
    {
        // Given
        var pod = Unschedulable();
        var events = Events(("FailedScheduling", Scheduler, 1), ("TriggeredScaleUp", "pod triggered scale-up: [{https://www.googleapis.com/compute/v1/projects/p/zones/europe-west1-b/instanceGroups/gke-c-default-pool-5e1f-grp 1->2 (max: 6)}]", 1));

        // When
        var state = Classifier.Classify(Observe(pod, events, observedFor: TimeSpan.FromMinutes(5)));

        // Then
        Assert.That(state, Is.EqualTo(new PodState.Waiting("waiting for a node: scale-up triggered 1->2")));
    }

    [TestCase("NotTriggerScaleUp", "pod didn't trigger scale-up: 1 max node group size reached")]
    [TestCase("FailedScaleUp", "Node scale up in zones europe-west1-b associated with this pod failed: GCE out of resources. Pod is at risk of not being scheduled.")]
    public void An_unschedulable_pod_the_autoscaler_will_not_help_fails_with_the_schedulers_and_the_autoscalers_message(string reason, string message)
    {
        // Given
        var events = Events(("FailedScheduling", Scheduler, 1), ("TriggeredScaleUp", "pod triggered scale-up: [{group 1->2 (max: 6)}]", 1), (reason, message, 1));

        // When
        var state = Classifier.Classify(Observe(Unschedulable(), events));

        // Then
        Assert.That(state, Is.EqualTo(new PodState.Failed("Unschedulable", $"{Scheduler} The cluster autoscaler will not add a node ({reason}): {message}", null, false)));
    }

    [Test]
    public void An_unschedulable_pod_without_an_autoscaler_answer_waits_within_the_grace_period()
    {
        // Given
        var events = Events(("FailedScheduling", Scheduler, 3));

        // When
        var state = Classifier.Classify(Observe(Unschedulable(), events, observedFor: TimeSpan.FromSeconds(89)));

        // Then
        Assert.That(state, Is.EqualTo(new PodState.Waiting($"waiting for a node: {Scheduler} (no scale-up triggered yet; gives up after 90s)")));
    }

    [Test]
    public void An_unschedulable_pod_without_an_autoscaler_answer_fails_when_the_grace_period_ends()
    {
        // Given
        var events = Events(("FailedScheduling", Scheduler, 3));

        // When
        var state = Classifier.Classify(Observe(Unschedulable(), events, observedFor: TimeSpan.FromSeconds(90)));

        // Then
        Assert.That(state, Is.TypeOf<PodState.Failed>().And.Property("Message").StartsWith(Scheduler).And.Property("Message").Contains("No scale-up was triggered within 90s (WAIT_SCALE_UP_GRACE)"));
    }

    [Test]
    public void A_crash_loop_while_a_dependency_starts_waits_and_names_the_dependency()
    {
        // Given
        var pod = Pod(Tagged, Crashed(restarts: 2));

        // When
        var state = Classifier.Classify(Observe(pod, dependenciesStarting: ["cloudsql-proxy"]));

        // Then
        Assert.That(state, Is.EqualTo(new PodState.Waiting("mlflow restarted 2× while cloudsql-proxy was starting")));
    }

    [Test]
    public void A_crash_loop_below_the_restart_limit_waits()
    {
        // When
        var state = Classifier.Classify(Observe(Pod(Tagged, Crashed(restarts: 2))));

        // Then
        Assert.That(state, Is.EqualTo(new PodState.Waiting("mlflow restarted 2× (WaitReady gives up at 3)")));
    }

    [Test]
    public void A_crash_loop_at_the_restart_limit_fails_with_the_last_exit_and_asks_for_the_previous_logs()
    {
        // When
        var state = Classifier.Classify(Observe(Pod(Tagged, Crashed(restarts: 3))));

        // Then
        Assert.That(state, Is.EqualTo(new PodState.Failed(
            "CrashLoopBackOff",
            "restarted 3× (WAIT_RESTART_LIMIT=3), last exit code 1 (Error): back-off 40s restarting failed container=mlflow pod=mlflow-7d9-0_mlflow",
            "mlflow",
            true)));
    }

    [Test]
    public void Restarts_while_the_dependencies_started_do_not_fail_until_it_crashes_again_after_they_are_ready()
    {
        // Given
        var pod = Pod(Tagged, Crashed(restarts: 5));
        var excused = new Dictionary<string, int> { ["mlflow"] = 5 };

        // When
        var state = Classifier.Classify(Observe(pod, excusedRestarts: excused));

        // Then
        Assert.That(state, Is.EqualTo(new PodState.Waiting("mlflow restarted 5× while its dependencies were starting; waiting for its next start")));
    }

    [Test]
    public void A_crash_after_the_dependencies_are_ready_fails_once_the_limit_is_reached()
    {
        // Given
        var pod = Pod(Tagged, Crashed(restarts: 6));
        var excused = new Dictionary<string, int> { ["mlflow"] = 5 };

        // When
        var state = Classifier.Classify(Observe(pod, excusedRestarts: excused));

        // Then
        Assert.That(state, Is.TypeOf<PodState.Failed>().And.Property("Reason").EqualTo("CrashLoopBackOff"));
    }

    [Test]
    public void A_container_that_recovered_after_restarts_is_progressing()
    {
        // Given
        var pod = Pod(Tagged, """{ "name": "mlflow", "restartCount": 4, "state": { "running": { "startedAt": "2026-11-29T19:00:00Z" } }, "lastState": { "terminated": { "exitCode": 1, "reason": "Error" } } }""");

        // When
        var state = Classifier.Classify(Observe(pod));

        // Then
        Assert.That(state, Is.EqualTo(PodState.Fine));
    }

    [Test]
    public void An_init_container_that_completed_after_restarts_is_progressing()
    {
        // Given
        var pod = Pod(Tagged, """{ "name": "mlflow", "restartCount": 4, "state": { "terminated": { "exitCode": 0, "reason": "Completed" } }, "lastState": { "terminated": { "exitCode": 1, "reason": "Error" } } }""");

        // When
        var state = Classifier.Classify(Observe(pod));

        // Then
        Assert.That(state, Is.EqualTo(PodState.Fine));
    }

    [Test]
    public void The_latest_autoscaler_event_counts_whatever_order_the_api_lists_them_in()
    {
        // Given
        var events = Events(("TriggeredScaleUp", "pod triggered scale-up: [{group 1->2 (max: 6)}]", 1), ("FailedScheduling", Scheduler, 1));
        events[0]["lastTimestamp"] = "2026-11-29T19:00:05Z";
        events[1]["lastTimestamp"] = "2026-11-29T19:00:01Z";
        events.Insert(0, new JsonObject { ["reason"] = "TriggeredScaleUp", ["message"] = "pod triggered scale-up: [{group 2->3 (max: 6)}]", ["lastTimestamp"] = "2026-11-29T19:00:09Z" });

        // When
        var state = Classifier.Classify(Observe(Unschedulable(), events));

        // Then
        Assert.That(state, Is.EqualTo(new PodState.Waiting("waiting for a node: scale-up triggered 2->3")));
    }

    [Test]
    public void A_first_pull_error_waits_for_the_kubelets_retry()
    {
        // Given
        var pod = Pod(Digest, Waiting("ErrImagePull", Forbidden));
        var events = Events(("Failed", $"Failed to pull image \"{Digest}\": {Forbidden}", 1));

        // When
        var state = Classifier.Classify(Observe(pod, events));

        // Then
        Assert.That(state, Is.EqualTo(new PodState.Waiting($"mlflow: ErrImagePull ({Forbidden}); the kubelet retries the pull")));
    }

    [Test]
    public void The_same_pull_error_twice_in_back_off_fails_with_that_error()
    {
        // Given
        var pod = Pod(Digest, Waiting("ImagePullBackOff", $"Back-off pulling image \"{Digest}\""));
        var events = Events(("Failed", $"Failed to pull image \"{Digest}\": {Forbidden}", 2), ("Failed", "Error: ErrImagePull", 2));

        // When
        var state = Classifier.Classify(Observe(pod, events));

        // Then
        Assert.That(state, Is.EqualTo(new PodState.Failed("ImagePullBackOff", $"the same pull error came back 2×: Failed to pull image \"{Digest}\": {Forbidden}", "mlflow", false)));
    }

    [Test]
    public void Two_different_pull_errors_in_back_off_still_wait()
    {
        // Given
        var pod = Pod(Digest, Waiting("ImagePullBackOff", $"Back-off pulling image \"{Digest}\""));
        var events = Events(("Failed", $"Failed to pull image \"{Digest}\": {Forbidden}", 1), ("Failed", $"Failed to pull image \"{Digest}\": dial tcp 142.250.1.82:443: i/o timeout", 1));

        // When
        var state = Classifier.Classify(Observe(pod, events));

        // Then
        Assert.That(state, Is.TypeOf<PodState.Waiting>());
    }

    [TestCase("rpc error: code = NotFound desc = failed to pull and unpack image \"" + Digest + "\": failed to resolve reference \"" + Digest + "\": " + Digest + ": not found")]
    [TestCase("Error response from daemon: manifest unknown: Failed to fetch \"sha256:1f2e\"")]
    public void A_pinned_digest_that_is_not_in_the_registry_fails_at_the_first_pull(string error)
    {
        // Given
        var pod = Pod(Digest, Waiting("ErrImagePull", error));

        // When
        var state = Classifier.Classify(Observe(pod));

        // Then
        Assert.That(state, Is.TypeOf<PodState.Failed>().And.Property("Message").StartsWith(error));
    }

    [Test]
    public void A_tag_that_is_not_found_yet_waits_because_it_may_still_be_pushed()
    {
        // Given
        var error = $"rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/{Tagged}\": not found";
        var pod = Pod(Tagged, Waiting("ErrImagePull", error));

        // When
        var state = Classifier.Classify(Observe(pod));

        // Then
        Assert.That(state, Is.TypeOf<PodState.Waiting>());
    }

    [TestCase("InvalidImageName", "Failed to apply default image tag \"Mlflow:Latest\": couldn't parse image name \"Mlflow:Latest\": invalid reference format: repository name must be lowercase")]
    [TestCase("CreateContainerConfigError", "secret \"mlflow-db-credentials\" not found")]
    [TestCase("CreateContainerConfigError", "configmap \"mlflow-config\" not found")]
    [TestCase("CreateContainerConfigError", "couldn't find key password in Secret mlflow/mlflow-db-credentials")]
    public void What_cannot_heal_fails_at_once(string reason, string message)
    {
        // When
        var state = Classifier.Classify(Observe(Pod(Tagged, Waiting(reason, message))));

        // Then
        Assert.That(state, Is.EqualTo(new PodState.Failed(reason, message, "mlflow", false)));
    }

    [TestCase("failed to sync secret cache: timed out waiting for the condition")]
    [TestCase("failed to sync configmap cache: timed out waiting for the condition")]
    public void A_config_error_whose_object_exists_waits_for_the_kubelet(string message)
    {
        // When
        var state = Classifier.Classify(Observe(Pod(Tagged, Waiting("CreateContainerConfigError", message))));

        // Then
        Assert.That(state, Is.EqualTo(new PodState.Waiting($"mlflow: CreateContainerConfigError: {message} (the kubelet retries)")));
    }

    [Test]
    public void A_ready_pod_is_progressing_whatever_its_history()
    {
        // Given
        var pod = Pod(Tagged, Crashed(restarts: 7));
        pod["status"]!["conditions"] = JsonNode.Parse("""[{ "type": "Ready", "status": "True" }]""");

        // When
        var state = Classifier.Classify(Observe(pod));

        // Then
        Assert.That(state, Is.EqualTo(PodState.Fine));
    }

    [Test]
    public void Events_are_needed_for_scheduling_and_pull_problems_only()
    {
        // Then
        Assert.That(PodClassifier.NeedsEvents(Unschedulable()), Is.True);
        Assert.That(PodClassifier.NeedsEvents(Pod(Digest, Waiting("ImagePullBackOff", "Back-off pulling image"))), Is.True);
        Assert.That(PodClassifier.NeedsEvents(Pod(Tagged, Crashed(restarts: 3))), Is.False);
    }

    private static PodObservation Observe(
        JsonObject pod,
        IReadOnlyList<JsonObject>? events = null,
        TimeSpan? observedFor = null,
        IReadOnlyList<string>? dependenciesStarting = null,
        IReadOnlyDictionary<string, int>? excusedRestarts = null) =>
        new(pod, events ?? [], observedFor ?? TimeSpan.FromSeconds(10), dependenciesStarting ?? [], excusedRestarts ?? new Dictionary<string, int>());

    private static JsonObject Unschedulable() => JsonNode.Parse($$"""
        {
          "metadata": { "name": "mlflow-7d9-0" },
          "spec": { "containers": [{ "name": "mlflow", "image": "{{Digest}}" }] },
          "status": {
            "phase": "Pending",
            "conditions": [{ "type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes are available: 3 Insufficient cpu." }]
          }
        }
        """)!.AsObject();

    private static JsonObject Pod(string image, string containerStatus) => JsonNode.Parse($$"""
        {
          "metadata": { "name": "mlflow-7d9-0" },
          "spec": { "containers": [{ "name": "mlflow", "image": "{{image}}" }] },
          "status": {
            "phase": "Running",
            "conditions": [{ "type": "PodScheduled", "status": "True" }, { "type": "Ready", "status": "False" }],
            "containerStatuses": [{{containerStatus}}]
          }
        }
        """)!.AsObject();

    private static string Crashed(int restarts) => $$"""
        {
          "name": "mlflow", "restartCount": {{restarts}},
          "state": { "waiting": { "reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container=mlflow pod=mlflow-7d9-0_mlflow" } },
          "lastState": { "terminated": { "exitCode": 1, "reason": "Error" } }
        }
        """;

    private static string Waiting(string reason, string message) =>
        new JsonObject { ["name"] = "mlflow", ["restartCount"] = 0, ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = reason, ["message"] = message } } }.ToJsonString();

    private static List<JsonObject> Events(params (string Reason, string Message, int Count)[] events) =>
        events.Select(item => new JsonObject { ["reason"] = item.Reason, ["message"] = item.Message, ["count"] = item.Count }).ToList();
}
