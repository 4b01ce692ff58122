using System.Text.RegularExpressions;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Cake.Frosting.Internal;

/// <summary>
/// Cake's closing report as plain rows: a task, its duration, its status and why it was skipped, one row each, never
/// wrapped into a table cell. The lifecycle steps are named "Before the tasks" and "After the tasks" so that no one
/// reads them as tasks (a Teardown target exists). A task that plan mode only planned shows as Planned.
/// </summary>
internal sealed partial class RunReportPrinter(ICakeReportPrinter banners, TaskSkipReasons reasons, AsyncSetupRunner setup, TextWriter output) : ICakeReportPrinter
{
    public const string BeforeTheTasks = "Before the tasks";
    public const string AfterTheTasks = "After the tasks";

    public void Write(CakeReport report)
    {
        var rows = report.Select(Row).ToList();
        var nameWidth = Math.Max("Task".Length, rows.Max(row => row.Name.Length));
        const int durationWidth = 16;
        var rule = new string('-', nameWidth + durationWidth + 14);
        output.WriteLine();
        output.WriteLine($"  {"Task".PadRight(nameWidth)}  {"Duration".PadRight(durationWidth)}  Status");
        output.WriteLine($"  {rule}");
        foreach (var (name, duration, status) in rows)
        {
            output.WriteLine($"  {name.PadRight(nameWidth)}  {duration.PadRight(durationWidth)}  {status}");
        }

        output.WriteLine($"  {rule}");
        output.WriteLine($"  {"Total:".PadRight(nameWidth)}  {Format(report.Aggregate(setup.Duration, (sum, entry) => sum + entry.Duration))}");
        output.WriteLine();
    }

    public void WriteLifeCycleStep(string name, Verbosity verbosity) => banners.WriteLifeCycleStep(LifecycleName(name), verbosity);

    public void WriteStep(string name, Verbosity verbosity) => banners.WriteStep(name, verbosity);

    public void WriteSkippedStep(string name, Verbosity verbosity) => banners.WriteSkippedStep(name, verbosity);

    /// <summary>Long hex runs (digests, content tags) cut to their first 12 characters, so a reason stays on a line or two.</summary>
    internal static string Shorten(string reason) => LongHex().Replace(reason, match => match.Value[..12] + "…");

    private (string Name, string Duration, string Status) Row(CakeReportEntry entry)
    {
        var skip = reasons.SkipOf(entry.TaskName);
        return entry.Category switch
        {
            CakeReportEntryCategory.Setup => (BeforeTheTasks, Format(entry.Duration + setup.Duration), Status(entry.ExecutionStatus)),
            CakeReportEntryCategory.Teardown => (AfterTheTasks, Format(entry.Duration), Status(entry.ExecutionStatus)),
            _ when skip is { Planned: true } => (entry.TaskName, "-", $"Planned: would {Shorten(skip.Reason)}"),
            _ when skip != null => (entry.TaskName, "-", $"Skipped: {Shorten(skip.Reason)}"),
            _ when entry.ExecutionStatus == CakeTaskExecutionStatus.Skipped => (entry.TaskName, "-", $"Skipped: {entry.SkippedMessage}"),
            _ => (entry.TaskName, Format(entry.Duration), Status(entry.ExecutionStatus)),
        };
    }

    private static string LifecycleName(string name) => name.Equals("Setup", StringComparison.OrdinalIgnoreCase) ? BeforeTheTasks : AfterTheTasks;

    private static string Status(CakeTaskExecutionStatus status) => status switch
    {
        CakeTaskExecutionStatus.Executed => "Succeeded",
        CakeTaskExecutionStatus.Delegated => "Succeeded",
        CakeTaskExecutionStatus.Failed => "Failed",
        _ => status.ToString(),
    };

    private static string Format(TimeSpan duration) => duration.ToString(@"hh\:mm\:ss\.fff", System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex("[0-9a-f]{24,}")]
    private static partial Regex LongHex();
}
