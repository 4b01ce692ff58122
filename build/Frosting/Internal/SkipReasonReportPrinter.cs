using Cake.Core;
using Cake.Core.Diagnostics;

namespace Cake.Frosting.Internal;

/// <summary>Fills the report's skip column with the reason each task recorded.</summary>
internal sealed class SkipReasonReportPrinter(ICakeReportPrinter inner, TaskSkipReasons reasons) : ICakeReportPrinter
{
    public void Write(CakeReport report)
    {
        var explained = new CakeReport();
        foreach (var entry in report)
        {
            var message = entry.ExecutionStatus == CakeTaskExecutionStatus.Skipped
                ? reasons.For(entry.TaskName) ?? entry.SkippedMessage
                : entry.SkippedMessage;
            explained.Add(entry.TaskName, message, entry.Category, entry.Duration, entry.ExecutionStatus);
        }

        inner.Write(explained);
    }

    public void WriteLifeCycleStep(string name, Verbosity verbosity) => inner.WriteLifeCycleStep(name, verbosity);

    public void WriteStep(string name, Verbosity verbosity) => inner.WriteStep(name, verbosity);

    public void WriteSkippedStep(string name, Verbosity verbosity) => inner.WriteSkippedStep(name, verbosity);
}
