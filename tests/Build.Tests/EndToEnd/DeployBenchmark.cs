using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.EndToEnd;

/// <summary>
/// bench/deploy.sh: a first Deploy (image built and pushed, everything created) against a no-op redeploy
/// (target: the redeploy takes at most 10 % of the first), and Deploy's own overhead against zero-latency doubles:
/// the no-op redeploy less the floor of starting Build.dll at all (--tree). The image carries BENCH_PAYLOAD_MIB of
/// random data (the script sets 64; the test suite uses 1 to stay short); BENCH_RUNS no-op runs are averaged.
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
        environment.Kube.Controller.ReadyDelay = TimeSpan.Zero;
        environment.Image.ChangeMarker(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(payloadMib * 768 * 1024)));
        var floor = await TimedAsync(() => new BuildProcess().RunAsync("--tree"));

        var first = await TimedAsync(() => environment.Build("cloud-sql").RunAsync("--target=Deploy"));
        Assert.That(first.Result.ExitCode, Is.Zero, first.Result.ToString());
        var digest = await environment.PushedDigestAsync();
        var kubeWrites = environment.Kube.Mutations.Count;
        var googleWrites = environment.Google.MutatingRequests.Count;
        var noOps = new List<TimeSpan>();
        var steps = string.Empty;
        for (var run = 0; run < runs; run++)
        {
            var noOp = await TimedAsync(() => environment.Build("cloud-sql").RunAsync("--target=Deploy"));
            Assert.That(noOp.Result.ExitCode, Is.Zero, noOp.Result.ToString());
            Assert.That(noOp.Result.Output, Does.Contain("No changes: everything was already in place."));
            noOps.Add(noOp.Elapsed);
            steps = string.Join(", ", StepDuration().Matches(noOp.Result.Output).Select(match => $"{match.Groups[1].Value} {TimeSpan.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture).TotalSeconds:0.00}s"));
        }

        var noOpMean = TimeSpan.FromTicks((long)noOps.Average(elapsed => elapsed.Ticks));
        var report = string.Create(CultureInfo.InvariantCulture,
            $"deploy bench: first Deploy {first.Elapsed.TotalSeconds:0.00}s ({payloadMib} MiB image); no-op redeploy {noOpMean.TotalSeconds:0.00}s (mean of {runs}); "
            + $"ratio {noOpMean / first.Elapsed:0.00} (target <= 0.10); Build.dll start floor (--tree) {floor.Elapsed.TotalSeconds:0.00}s; "
            + $"Deploy's own overhead against zero-latency doubles {(noOpMean - floor.Elapsed).TotalSeconds:0.00}s "
            + $"({environment.Kube.Requests.Count} apiserver and {environment.Google.Requests.Count} Google requests in all); last no-op by step: {steps}");
        await TestContext.Progress.WriteLineAsync(report);
        if (Environment.GetEnvironmentVariable("BENCH_RESULT_FILE") is { Length: > 0 } resultFile)
        {
            await File.AppendAllTextAsync(resultFile, report + Environment.NewLine);
        }

        Assert.Multiple(async () =>
        {
            Assert.That(environment.Kube.Mutations.Count, Is.EqualTo(kubeWrites), "no-op redeploys write nothing to the cluster");
            Assert.That(environment.Google.MutatingRequests.Count, Is.EqualTo(googleWrites), "no-op redeploys change nothing in Google Cloud");
            Assert.That(await environment.PushedDigestAsync(), Is.EqualTo(digest), "no-op redeploys push nothing");
            Assert.That(noOpMean, Is.LessThan(first.Elapsed), report);
        });
    }

    [GeneratedRegex(@"^\s+(Before the tasks|BuildImage|PushImage|CreateDatabase|BindWorkloadIdentity|Annotate|Apply|WaitReady|After the tasks)\s+(\d\d:\d\d:\d\d\.\d+)", RegexOptions.Multiline)]
    private static partial Regex StepDuration();

    private static async Task<(BuildResult Result, TimeSpan Elapsed)> TimedAsync(Func<Task<BuildResult>> run)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = await run();
        return (result, stopwatch.Elapsed);
    }
}
