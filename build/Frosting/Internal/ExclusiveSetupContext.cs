using Cake.Core;

namespace Cake.Frosting.Internal;

/// <summary>
/// With --exclusive only the targets run, but Cake's setup context still lists their dependencies; this lists what
/// really runs, so that a setup that checks "what is about to run" checks the right tasks.
/// </summary>
internal sealed class ExclusiveSetupContext(ISetupContext inner, IReadOnlyCollection<string> targets) : CakeContextAdapter(inner), ISetupContext
{
    public ICakeTaskInfo TargetTask => inner.TargetTask;

    public IReadOnlyCollection<ICakeTaskInfo> TasksToExecute { get; } =
        inner.TasksToExecute.Where(task => targets.Contains(task.Name, StringComparer.OrdinalIgnoreCase)).ToList();
}
