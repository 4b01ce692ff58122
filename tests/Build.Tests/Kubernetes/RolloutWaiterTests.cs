using MlflowGke.Build.Tests.Fakes.Kubernetes;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>
/// WaitReady through the real Build.dll and the real kubectl against the fake apiserver playing each case's
/// timeline (scheduler, cluster autoscaler and kubelet statuses and events): what heals is waited out, what cannot
/// heal fails within seconds of becoming certain.
/// </summary>
[Category("Kubectl")]
public sealed class RolloutWaiterTests
{
    /// <summary>One poll interval, the kubectl calls of a poll and of the explanation, and the process exit, on a busy machine.</summary>
    private static readonly TimeSpan FailFast = TimeSpan.FromSeconds(5);

    [Test]
    public async Task A_scale_up_is_waited_out_and_the_progress_line_says_so()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.SetBehaviour("mlflow", PodBehaviour.ScaleUpSucceeds);

        // When
        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughWaitReady);

        // Then
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.Contain("(pod mlflow-").And.Contain(": waiting for a node: scale-up triggered 1->2)").And.Contain("deployment.apps/mlflow: rolled out"));
        Assert.That(Step(cluster, "mlflow-", "ready"), Is.Not.Null, "rolled out only once the pod was scheduled on the new node and ready");
    }

    [Test]
    public async Task A_refused_scale_up_fails_within_seconds_with_the_schedulers_and_the_autoscalers_message()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.SetBehaviour("mlflow", PodBehaviour.ScaleUpRefused);

        // When
        var (run, end) = await RunAsync(cluster.Build("in-cluster"));

        // Then
        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.All, Does.Contain($"is Unschedulable: {PodScenario.Insufficient} The cluster autoscaler will not add a node (NotTriggerScaleUp): {PodScenario.ScaleUpNotTriggered}")
            .And.Contain("Normal NotTriggerScaleUp"));
        Assert.That(end - At(cluster, "scale-up refused"), Is.LessThanOrEqualTo(FailFast));
    }

    [Test]
    public async Task An_unschedulable_pod_without_a_scale_up_fails_when_the_grace_period_ends()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.SetBehaviour("mlflow", PodBehaviour.NoScaleUp);
        var build = cluster.Build("in-cluster");
        build.Environment["WAIT_SCALE_UP_GRACE"] = "3s";

        // When
        var (run, end) = await RunAsync(build);

        // Then
        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.Output, Does.Contain("waiting for a node: 0/3 nodes are available: 3 Insufficient cpu.").And.Contain("(no scale-up triggered yet; gives up after 3s)"));
        Assert.That(run.All, Does.Contain("No scale-up was triggered within 3s (WAIT_SCALE_UP_GRACE)"));
        var elapsed = end - At(cluster, "unschedulable");
        Assert.That(elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(3)).And.LessThanOrEqualTo(TimeSpan.FromSeconds(3) + FailFast + FailFast), "the grace counts from WaitReady's first sight of the pod");
    }

    [Test]
    public async Task A_crash_loop_while_the_proxy_starts_is_waited_out_and_named()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        var proxyStarts = new TaskCompletionSource();
        cluster.Server.Controller.HoldUntil("cloudsql-proxy", proxyStarts.Task);
        cluster.Server.Controller.SetBehaviour("mlflow", PodBehaviour.CrashLoopThatHeals);

        // When the proxy gets ready only once WaitReady has seen MLflow crash
        var run = await cluster.Build("cloud-sql").RunAsync(KubeTestEnvironment.ThroughWaitReady, (line, _) =>
        {
            if (line.Contains("while cloudsql-proxy was starting", StringComparison.Ordinal))
            {
                proxyStarts.TrySetResult();
            }

            return Task.CompletedTask;
        });

        // Then
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.Match(@"\(pod mlflow-\S+: mlflow restarted [12]× while cloudsql-proxy was starting\)"));
        Assert.That(Restarts(cluster, "mlflow-"), Is.EqualTo(2), "it did crash twice");
    }

    [Test]
    public async Task A_crash_loop_that_does_not_heal_fails_at_the_restart_limit_with_the_previous_containers_logs()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.SetBehaviour("mlflow", PodBehaviour.CrashLoop);

        // When
        var (run, end) = await RunAsync(cluster.Build("in-cluster"));

        // Then
        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.All, Does.Match(@"container mlflow is CrashLoopBackOff: restarted [3-9]× \(WAIT_RESTART_LIMIT=3\), last exit code 1 \(Error\)")
            .And.Contain("Warning BackOff (×")
            .And.Contain("Error: could not connect to the database: connection refused")
            .And.Contain("log line 12:").And.Not.Contain("log line 11:"), "the last 50 lines of the container that crashed, not more");
        Assert.That(end - At(cluster, "crash 3"), Is.LessThanOrEqualTo(FailFast));
    }

    [Test]
    public async Task A_transient_pull_error_is_waited_out()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.SetBehaviour("mlflow", PodBehaviour.PullErrorThatHeals);

        // When
        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughWaitReady);

        // Then
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.Match(@"mlflow: (ErrImagePull|ImagePullBackOff) \(.*403 Forbidden\); the kubelet retries the pull"));
        Assert.That(Step(cluster, "mlflow-", "pulling again"), Is.Not.Null);
    }

    [Test]
    public async Task The_same_pull_error_twice_fails_within_seconds_with_that_error()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.SetBehaviour("mlflow", PodBehaviour.PullErrorRepeated);

        // When
        var (run, end) = await RunAsync(cluster.Build("in-cluster"));

        // Then
        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.All, Does.Contain("is ImagePullBackOff: the same pull error came back 2×: Failed to pull image").And.Contain("403 Forbidden").And.Contain("Warning Failed (×2): Failed to pull image"));
        Assert.That(end - At(cluster, "pull failed again"), Is.LessThanOrEqualTo(FailFast));
    }

    [Test]
    public async Task A_pinned_digest_missing_from_the_registry_fails_at_the_first_pull_error()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.SetBehaviour("mlflow", PodBehaviour.DigestNotFound);

        // When
        var (run, end) = await RunAsync(cluster.Build("in-cluster"));

        // Then
        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.All, Does.Contain($"@{cluster.ImageDigest}: not found (the image is pinned by digest"));
        Assert.That(end - At(cluster, "pull failed"), Is.LessThanOrEqualTo(FailFast));
    }

    private static async Task<(BuildResult Run, DateTimeOffset End)> RunAsync(BuildProcess build)
    {
        var run = await build.RunAsync(KubeTestEnvironment.ThroughWaitReady);
        return (run, DateTimeOffset.UtcNow);
    }

    private static TimelineEntry? Step(KubeTestEnvironment cluster, string podPrefix, string step) =>
        cluster.Server.Controller.Timeline.FirstOrDefault(entry => entry.Pod.StartsWith(podPrefix, StringComparison.Ordinal) && entry.Step == step);

    private static DateTimeOffset At(KubeTestEnvironment cluster, string step)
    {
        var entry = Step(cluster, "mlflow-", step);
        Assert.That(entry, Is.Not.Null, $"step '{step}' not in the timeline: {string.Join(", ", cluster.Server.Controller.Timeline)}");
        return entry!.At;
    }

    private static int Restarts(KubeTestEnvironment cluster, string podPrefix) =>
        cluster.Server.Controller.Timeline.Where(entry => entry.Pod.StartsWith(podPrefix, StringComparison.Ordinal)).Select(entry => cluster.Server.Controller.Restarts(entry.Pod)).Max();
}
