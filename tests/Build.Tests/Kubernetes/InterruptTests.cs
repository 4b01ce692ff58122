using System.Diagnostics;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>SIGINT and time limits through the real Build.dll and kubectl: what the run leaves behind when it is stopped.</summary>
[Category("Kubectl")]
public sealed class InterruptTests
{
    private const string Ns = KubeTestEnvironment.Namespace;

    [Test]
    public async Task SIGINT_during_WaitReady_exits_130_within_2_seconds_leaves_no_kubectl_prints_the_summary_and_releases_the_lock()
    {
        // Given a deploy waiting for a pod that never gets ready, its read hanging on the API server
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.JobPodRunTime = TimeSpan.FromMilliseconds(200);
        cluster.Server.Controller.ReadyDelay = TimeSpan.FromHours(1);
        var requestsAtSignal = 0;
        var signalled = Stopwatch.StartNew();

        // When SIGINT arrives while a read is hanging
        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughWaitReady, async (line, build) =>
        {
            if (line.Trim() != "WaitReady" || requestsAtSignal > 0)
            {
                return;
            }

            cluster.Server.ResponseDelay = TimeSpan.FromMinutes(5);
            requestsAtSignal = await HangingRequestsAsync(cluster);
            Signal(build.Id, "INT");
            signalled.Restart();
            cluster.Server.ResponseDelay = TimeSpan.Zero;
        });
        var exitedAfter = signalled.Elapsed;

        // Then it stopped within 2 s with 130, no kubectl of it runs, it said what it did, and the lease is free
        Assert.That(requestsAtSignal, Is.Positive, "a request was hanging when the signal came");
        Assert.That(run.ExitCode, Is.EqualTo(130), run.ToString());
        Assert.That(exitedAfter, Is.LessThan(TimeSpan.FromSeconds(2)), run.ToString());
        Assert.That(KubectlProcessesOf(cluster.Kubeconfig), Is.Empty);
        Assert.That(run.Output, Does.Contain("Interrupted after").And.Contain("Deploy lock: released"));
        Assert.That(run.All, Does.Contain("Interrupted by SIGINT"));
        Assert.That(cluster.Server.Get("Lease", Ns, "mlflow-deploy")!["spec"]!["holderIdentity"], Is.Null);
    }

    [Test]
    public async Task A_hung_API_server_does_not_keep_WaitReady_past_WAIT_TIMEOUT()
    {
        // Given applied workloads whose pods never get ready
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.JobPodRunTime = TimeSpan.FromMilliseconds(200);
        cluster.Server.Controller.ReadyDelay = TimeSpan.FromHours(1);
        var apply = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply);
        Assert.That(apply.ExitCode, Is.Zero, apply.ToString());
        var build = cluster.Build("in-cluster");
        build.Environment["WAIT_TIMEOUT"] = "5s";
        var hung = Stopwatch.StartNew();
        TimeSpan? timedOutAfter = null;

        // When the API server stops answering while WaitReady polls
        var wait = await build.RunAsync(["--target=WaitReady", "--exclusive"], (line, _) =>
        {
            if (line.Contains("] deployment.apps/mlflow: ", StringComparison.Ordinal) && cluster.Server.ResponseDelay == TimeSpan.Zero)
            {
                cluster.Server.ResponseDelay = TimeSpan.FromMinutes(10);
                hung.Restart();
            }

            if (line.Contains("After the tasks", StringComparison.Ordinal))
            {
                timedOutAfter ??= hung.Elapsed; // WaitReady gave up; the teardown releases the lock
            }

            return Task.CompletedTask;
        });
        var exitedAfter = hung.Elapsed;

        // Then it times out at WAIT_TIMEOUT, not at kubectl's own limits; the lock's release gives up after 10 s
        Assert.That(wait.ExitCode, Is.Not.Zero, wait.ToString());
        Assert.That(timedOutAfter, Is.Not.Null.And.LessThan(TimeSpan.FromSeconds(5 + 4)), wait.ToString());
        Assert.That(exitedAfter, Is.LessThan(TimeSpan.FromSeconds(5 + 10 + 4)), wait.ToString());
        Assert.That(wait.All, Does.Contain("Timed out after 5s"));
        Assert.That(wait.All, Does.Contain("did not answer the release of lease mlflow/mlflow-deploy within 10s; it expires by itself 60s after its last renewal"));
        Assert.That(KubectlProcessesOf(cluster.Kubeconfig), Is.Empty);
    }

    private static void Signal(int processId, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", processId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>How many requests the API server holds; waits up to 5 s for one to arrive.</summary>
    private static async Task<int> HangingRequestsAsync(KubeTestEnvironment cluster)
    {
        var clock = Stopwatch.StartNew();
        while (cluster.Server.InFlight == 0 && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50);
        }

        return cluster.Server.InFlight;
    }

    /// <summary>kubectl processes started with this test's kubeconfig.</summary>
    private static IReadOnlyList<int> KubectlProcessesOf(string kubeconfig)
    {
        var marker = $"KUBECONFIG={kubeconfig}\0";
        return Process.GetProcessesByName("kubectl").Concat(Process.GetProcesses().Where(process => process.ProcessName.StartsWith("kubectl.", StringComparison.Ordinal)))
            .Where(process => EnvironmentOf(process.Id).Contains(marker, StringComparison.Ordinal))
            .Select(process => process.Id)
            .ToList();
    }

    private static string EnvironmentOf(int processId)
    {
        try
        {
            return File.ReadAllText($"/proc/{processId}/environ");
        }
        catch (IOException)
        {
            return string.Empty; // it ended meanwhile
        }
    }
}
