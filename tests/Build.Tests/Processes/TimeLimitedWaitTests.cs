using System.Diagnostics;
using Cake.Core;
using Cake.Core.IO;
using MlflowGke.Build.Processes;
using MlflowGke.Build.Tests.Docker;

namespace MlflowGke.Build.Tests.Processes;

/// <summary>Timed waits on real processes (/bin/sh): output read to its end, killed at the limit or on cancellation.</summary>
public sealed class TimeLimitedWaitTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Test]
    public void Output_written_after_the_process_exits_is_still_read_to_its_end()
    {
        // Given a shell that prints many lines and exits, leaving a child that holds its output open and prints one more
        using var process = Start("seq 1 50000; (sleep 1; echo last) &");

        // When
        var exited = process.WaitForExitWithin(Generous);

        // Then
        var output = process.GetStandardOutput().ToList();
        Assert.That(exited, Is.True);
        Assert.That(output, Has.Count.EqualTo(50001));
        Assert.That(output[^1], Is.EqualTo("last"));
    }

    [TestCase("exec sleep 30")]
    [TestCase("sleep 20 & exec sleep 30")] // a child holds the output open for 20 s
    public void A_process_that_exceeds_the_limit_is_killed_and_reported_as_timed_out_at_the_limit(string script)
    {
        // Given
        using var process = Start(script);
        var clock = Stopwatch.StartNew();

        // When
        var exited = process.WaitForExitWithin(TimeSpan.FromMilliseconds(300));

        // Then
        Assert.That(exited, Is.False);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "the wait does not wait for a child's output");
        Assert.That(process.WaitForExit(5000), Is.True, "the process should be gone");
        Assert.That(process.GetExitCode(), Is.EqualTo(137), "128 + SIGKILL");
    }

    [Test]
    public void Cancelling_kills_the_process_and_throws()
    {
        // Given
        using var process = Start("exec sleep 30");
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        // When
        Assert.Throws<OperationCanceledException>(() => process.WaitForExitWithin(Generous, cancellation.Token));

        // Then
        Assert.That(process.WaitForExit(5000), Is.True, "the process should be gone");
        Assert.That(process.GetExitCode(), Is.EqualTo(137), "128 + SIGKILL");
    }

    private static IProcess Start(string script) =>
        CakeContexts.Create().ProcessRunner.Start(new FilePath("/bin/sh"), new ProcessSettings
        {
            Arguments = new ProcessArgumentBuilder().Append("-c").AppendQuoted(script),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Silent = true,
        });
}
