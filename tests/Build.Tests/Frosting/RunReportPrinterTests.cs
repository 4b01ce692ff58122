using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using Cake.Frosting.Internal;

namespace MlflowGke.Build.Tests.Frosting;

public sealed class RunReportPrinterTests
{
    private const string Digest = "sha256:8d6b7e2f0c1a4b3d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5";

    [Test]
    public void Lifecycle_rows_are_not_named_like_the_Teardown_target()
    {
        var report = new CakeReport();
        report.Add("Setup", CakeReportEntryCategory.Setup, TimeSpan.FromMilliseconds(80));
        report.Add("Apply", CakeReportEntryCategory.Task, TimeSpan.FromSeconds(1));
        report.Add("Teardown", CakeReportEntryCategory.Teardown, TimeSpan.FromMilliseconds(2));

        var lines = Print(report, new TaskSkipReasons());

        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Some.Match(@"^\s+Before the tasks\s+00:00:00\.080\s+Succeeded$"));
            Assert.That(lines, Has.Some.Match(@"^\s+After the tasks\s+00:00:00\.002\s+Succeeded$"));
            Assert.That(lines, Has.None.Match(@"^\s+(Setup|Teardown)\s"));
        });
    }

    [Test]
    public void A_skip_reason_stays_on_its_row_with_digests_shortened()
    {
        var reasons = new TaskSkipReasons();
        Record(reasons, "BuildImage", () => reasons.Record($"the registry already has in-{new string('a', 64)} ({Digest})"));
        var report = new CakeReport();
        report.AddSkipped("BuildImage", "its criteria were not met");

        var lines = Print(report, reasons);

        Assert.That(lines, Has.One.EqualTo("  BuildImage  -                 Skipped: the registry already has in-aaaaaaaaaaaa… (sha256:8d6b7e2f0c1a…)"));
    }

    [Test]
    public void A_task_that_plan_mode_only_planned_is_reported_as_planned()
    {
        var reasons = new TaskSkipReasons();
        Record(reasons, "Verify", () => reasons.RecordPlanned("run the smoke test against svc/mlflow"));
        var report = new CakeReport();
        report.Add("Verify", CakeReportEntryCategory.Task, TimeSpan.Zero);

        var lines = Print(report, reasons);

        Assert.That(lines, Has.One.Match(@"^\s+Verify\s+-\s+Planned: would run the smoke test against svc/mlflow$"));
    }

    private static void Record(TaskSkipReasons reasons, string task, Action record)
    {
        reasons.EvaluatingTask = task;
        record();
        reasons.EvaluatingTask = null;
    }

    private static string[] Print(CakeReport report, TaskSkipReasons reasons)
    {
        using var output = new StringWriter();
        new RunReportPrinter(new NoBanners(), reasons, new AsyncSetupRunner(), output).Write(report);
        return output.ToString().Split(Environment.NewLine);
    }

    private sealed class NoBanners : ICakeReportPrinter
    {
        public void Write(CakeReport report)
        {
        }

        public void WriteLifeCycleStep(string name, Verbosity verbosity)
        {
        }

        public void WriteStep(string name, Verbosity verbosity)
        {
        }

        public void WriteSkippedStep(string name, Verbosity verbosity)
        {
        }
    }
}
