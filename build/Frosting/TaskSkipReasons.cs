namespace Cake.Frosting;

/// <summary>
/// The reasons tasks gave for not running, shown in the report's skip column. Cake's criteria carry a
/// fixed message; this lets <c>ShouldRun</c> explain a decision it made from state it read.
/// Not part of Cake.Frosting: see README.md in this folder.
/// </summary>
public sealed class TaskSkipReasons
{
    private readonly Dictionary<string, string> _reasons = new(StringComparer.OrdinalIgnoreCase);

    internal string? EvaluatingTask { get; set; }

    /// <summary>Records why the task whose criteria is being evaluated will not run.</summary>
    public void Record(string reason)
    {
        if (EvaluatingTask != null)
        {
            _reasons[EvaluatingTask] = reason;
        }
    }

    public string? For(string taskName) => _reasons.GetValueOrDefault(taskName);
}
