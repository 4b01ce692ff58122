using Cake.Core.Diagnostics;

namespace MlflowGke.Build.Changes;

/// <summary>
/// The one door every mutating operation goes through. In plan mode it prints the change and skips it;
/// otherwise it makes it. Either way the change is recorded for the closing summary.
/// </summary>
public sealed class ChangeGate(bool isPlan, ICakeLog log)
{
    private readonly List<string> _changes = [];
    private readonly Lock _lock = new();

    public bool IsPlan { get; } = isPlan;

    /// <summary>Changes made, or in plan mode the changes that would be made.</summary>
    public IReadOnlyList<string> Changes
    {
        get
        {
            lock (_lock)
            {
                return [.. _changes];
            }
        }
    }

    public async Task MakeAsync(string description, Func<Task> change)
    {
        lock (_lock)
        {
            _changes.Add(description);
        }

        if (IsPlan)
        {
            log.Information("PLAN would {0}", description);
            return;
        }

        log.Information("Change: {0}", description);
        await change();
    }
}
