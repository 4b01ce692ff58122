namespace Cake.Frosting;

/// <summary>
/// Why tasks did not run, shown in the report. Cake's criteria carry a fixed message; this lets <c>ShouldRun</c>
/// explain a decision it made from state it read, and mark a task that plan mode only planned.
/// Not part of Cake.Frosting: see README.md in this folder.
/// </summary>
public sealed class TaskSkipReasons
{
    private readonly Dictionary<string, TaskSkip> _reasons = new(StringComparer.OrdinalIgnoreCase);

    internal string? EvaluatingTask { get; set; }

    /// <summary>Records why the task whose criteria is being evaluated will not run.</summary>
    public void Record(string reason) => Record(new TaskSkip(reason, Planned: false));

    /// <summary>Records that the task whose criteria is being evaluated only plans: <paramref name="wouldDo"/> is what a real run does.</summary>
    public void RecordPlanned(string wouldDo) => Record(new TaskSkip(wouldDo, Planned: true));

    public string? For(string taskName) => SkipOf(taskName)?.Reason;

    internal TaskSkip? SkipOf(string taskName) => _reasons.GetValueOrDefault(taskName);

    private void Record(TaskSkip skip)
    {
        if (EvaluatingTask != null)
        {
            _reasons[EvaluatingTask] = skip;
        }
    }
}

/// <summary>Why a task did not run: a reason, or (planned) what it would do outside plan mode.</summary>
internal sealed record TaskSkip(string Reason, bool Planned);
