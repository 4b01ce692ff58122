using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.EndToEnd;

/// <summary>
/// bench/deploy.sh: a first Deploy (image built and pushed, everything created) against a no-op redeploy
/// (targets: at most 1.5 s on the fake apiserver, at most 5 kubectl starts), its ratio to the first Deploy and to the
/// floor of starting Build.dll at all (--tree), and how many kubectl processes each started. The image carries
/// BENCH_PAYLOAD_MIB of random data (the script sets 64; the test suite uses 1 to stay short); BENCH_RUNS no-op runs
/// are averaged. BENCH_RESULT_FILE receives the report and, for the script, the no-op mean in seconds.
/// </summary>
[Category("Docker")]
[Category("Kubectl")]
public sealed partial class DeployBenchmark
{
    [Test]
    public async Task DeployBenchmark_first_deploy_against_a_no_op_redeploy()
    {
        var payloadMib = int.Parse(Environment.GetEnvironmentVariable("BENCH_PAYLOAD_MIB") ?? "1", CultureInfo.InvariantCulture);
        var runs = int.Parse(Environment.GetEnvironmentVariable("BENCH_RUNS") ?? "2", CultureInfo.InvariantCulture);
        await using var environment = await DeployEnvironment.StartAsync();
        using var kubectl = new CountingKubectl();
        environment.Kube.Controller.ReadyDelay = TimeSpan.Zero;
        environment.Image.ChangeMarker(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(payloadMib * 768 * 1024)));
        var floor = await TimedAsync(() => new BuildProcess().RunAsync("--tree"));

        var first = await TimedAsync(() => kubectl.Wrap(environment.Build("cloud-sql")).RunAsync("--target=Deploy"));
        Assert.That(first.Result.ExitCode, Is.Zero, first.Result.ToString());
        var firstStarts = kubectl.Starts.Count;
        var digest = await environment.PushedDigestAsync();
        var kubeWrites = environment.Kube.Mutations.Count;
        var googleWrites = environment.Google.MutatingRequests.Count;
        var noOps = new List<TimeSpan>();
        var steps = string.Empty;
        for (var run = 0; run < runs; run++)
        {
            kubectl.Reset();
            var noOp = await TimedAsync(() => kubectl.Wrap(environment.Build("cloud-sql")).RunAsync("--target=Deploy"));
            Assert.That(noOp.Result.ExitCode, Is.Zero, noOp.Result.ToString());
            Assert.That(noOp.Result.Output, Does.Contain("No changes: everything was already in place."));
            noOps.Add(noOp.Elapsed);
            steps = string.Join(", ", StepDuration().Matches(noOp.Result.Output).Select(match => $"{match.Groups[1].Value} {TimeSpan.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture).TotalSeconds:0.00}s"));
        }

        var noOpMean = TimeSpan.FromTicks((long)noOps.Average(elapsed => elapsed.Ticks));
        var noOpStarts = kubectl.Starts;
        var report = string.Create(CultureInfo.InvariantCulture,
            $"deploy bench: first Deploy {first.Elapsed.TotalSeconds:0.00}s ({payloadMib} MiB image, {firstStarts} kubectl starts); "
            + $"no-op redeploy {noOpMean.TotalSeconds:0.00}s (mean of {runs}; target <= 1.50s) with {noOpStarts.Count} kubectl starts (target <= 5: {string.Join(", ", noOpStarts.Select(Command))}); "
            + $"no-op / first {noOpMean / first.Elapsed:0.00}; Build.dll start floor (--tree) {floor.Elapsed.TotalSeconds:0.00}s, no-op / --tree {noOpMean / floor.Elapsed:0.0}; "
            + $"{environment.Kube.Requests.Count} apiserver and {environment.Google.Requests.Count} Google requests in all; last no-op by step: {steps}");
        await TestContext.Progress.WriteLineAsync(report);
        if (Environment.GetEnvironmentVariable("BENCH_RESULT_FILE") is { Length: > 0 } resultFile)
        {
            await File.AppendAllTextAsync(resultFile, string.Create(CultureInfo.InvariantCulture, $"{report}\nnoop_seconds={noOpMean.TotalSeconds:0.000}\n"));
        }

        Assert.Multiple(async () =>
        {
            Assert.That(environment.Kube.Mutations.Count, Is.EqualTo(kubeWrites), "no-op redeploys write nothing to the cluster");
            Assert.That(environment.Google.MutatingRequests.Count, Is.EqualTo(googleWrites), "no-op redeploys change nothing in Google Cloud");
            Assert.That(await environment.PushedDigestAsync(), Is.EqualTo(digest), "no-op redeploys push nothing");
            Assert.That(noOpMean, Is.LessThan(first.Elapsed), report);
            Assert.That(noOpStarts, Has.Count.LessThanOrEqualTo(5), "a no-op redeploy starts kubectl at most five times");
        });
    }

    [GeneratedRegex(@"^\s+(Before the tasks|BuildImage|PushImage|CreateDatabase|BindWorkloadIdentity|Annotate|Apply|WaitReady|Prune|After the tasks)\s+(\d\d:\d\d:\d\d\.\d+)", RegexOptions.Multiline)]
    private static partial Regex StepDuration();

    // "get pods" from "--context=… --namespace=… --request-timeout=30s get pods --output=json".
    private static string Command(string arguments) =>
        string.Join(' ', arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(word => !word.StartsWith('-')).Take(2));

    private static async Task<(BuildResult Result, TimeSpan Elapsed)> TimedAsync(Func<Task<BuildResult>> run)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = await run();
        return (result, stopwatch.Elapsed);
    }
}
