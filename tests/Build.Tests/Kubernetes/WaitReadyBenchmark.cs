using System.Diagnostics;
using System.Globalization;
using MlflowGke.Build.Tests.Fakes.Kubernetes;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>
/// bench/wait-ready.sh: how long after a pod starts crash-looping WaitReady fails, against the guide's
/// `kubectl wait --for=condition=Ready pod -l app=mlflow --timeout=300s`, both started in the same run.
/// The guide's timeout comes from BENCH_GUIDE_TIMEOUT (the script sets 300s; the test suite uses 15s to stay short).
/// </summary>
[Category("Kubectl")]
[Category("Bench")]
public sealed class WaitReadyBenchmark
{
    private static readonly TimeSpan Target = TimeSpan.FromSeconds(5);

    [Test]
    public async Task WaitReady_fails_within_seconds_of_a_crash_loop_where_kubectl_wait_runs_into_its_timeout()
    {
        var guideTimeout = Environment.GetEnvironmentVariable("BENCH_GUIDE_TIMEOUT") ?? "15s";
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.SetBehaviour("mlflow", PodBehaviour.CrashLoop);
        cluster.Server.Controller.ReadyDelay = TimeSpan.FromSeconds(6); // both waiters are running when the crash loop shows
        cluster.Server.Controller.JobPodRunTime = TimeSpan.FromMilliseconds(300); // Apply's migration Job does not wait for that
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);

        var guide = TimedAsync(() => cluster.KubectlAsync("--context", KubeTestEnvironment.Context, "-n", KubeTestEnvironment.Namespace, "wait", "--for=condition=Ready", "pod", "-l", "app=mlflow", $"--timeout={guideTimeout}"));
        var suite = TimedAsync(async () =>
        {
            var run = await cluster.Build("in-cluster").RunAsync("--target=WaitReady", "--exclusive");
            return (run.ExitCode, run.Output, run.Error);
        });
        var (suiteRun, suiteEnd) = await suite;
        var (guideRun, guideEnd) = await guide;

        var crashShown = cluster.Server.Controller.ShownAt.Where(pair => pair.Key.StartsWith("mlflow-", StringComparison.Ordinal) && !pair.Key.StartsWith("mlflow-migrate-", StringComparison.Ordinal)).Min(pair => pair.Value);
        var suiteLatency = suiteEnd - crashShown;
        var guideLatency = guideEnd - crashShown;
        var report = string.Create(CultureInfo.InvariantCulture, $"wait-ready bench: crash loop shown -> WaitReady failed {suiteLatency.TotalSeconds:0.00}s; -> kubectl wait --timeout={guideTimeout} gave up {guideLatency.TotalSeconds:0.00}s (target <= {Target.TotalSeconds:0}s); kubectl wait said: {guideRun.Error.Trim()}");
        await TestContext.Out.WriteLineAsync(report);
        if (Environment.GetEnvironmentVariable("BENCH_RESULT_FILE") is { Length: > 0 } resultFile)
        {
            await File.AppendAllTextAsync(resultFile, report + Environment.NewLine);
        }

        Assert.That(suiteRun.ExitCode, Is.Not.Zero);
        Assert.That(suiteRun.Output + suiteRun.Error, Does.Contain("CrashLoopBackOff"));
        Assert.That(suiteLatency, Is.LessThanOrEqualTo(Target), report);
        Assert.That(guideRun.ExitCode, Is.Not.Zero, "kubectl wait cannot see that a crash-looping pod will never be Ready");
        Assert.That(guideLatency, Is.GreaterThan(suiteLatency), report);
    }

    private static async Task<(T Result, DateTimeOffset End)> TimedAsync<T>(Func<Task<T>> run)
    {
        var result = await Task.Run(run);
        return (result, DateTimeOffset.UtcNow);
    }
}
