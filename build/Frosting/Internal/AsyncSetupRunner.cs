using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Cake.Core;
using Cake.Core.Graph;

namespace Cake.Frosting.Internal;

/// <summary>
/// Awaits an <see cref="AsyncFrostingLifetime{TContext}"/>'s setup before the engine runs, for the tasks the engine is
/// about to run, and rethrows its failure inside Cake's setup step, where Cake reports it and still runs teardown.
/// </summary>
internal sealed class AsyncSetupRunner
{
    private ExceptionDispatchInfo? _failure;

    /// <summary>How long the awaited setup took; the report adds it to the setup row.</summary>
    public TimeSpan Duration { get; private set; }

    public async Task RunAsync(IAsyncFrostingSetup lifetime, ICakeEngine engine, ICakeContext context, IReadOnlyCollection<string> targets, bool exclusive)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await lifetime.SetupAsync(context, SetupContextFor(engine, context, targets, exclusive));
        }
        catch (Exception exception)
        {
            _failure = ExceptionDispatchInfo.Capture(exception);
        }

        Duration = clock.Elapsed;
    }

    /// <summary>Called in Cake's setup step: fails it as the awaited setup failed.</summary>
    public void Replay() => _failure?.Throw();

    // The tasks in the order the engine runs them: the targets and their dependencies, or the targets alone with --exclusive.
    private static SetupContext SetupContextFor(ICakeEngine engine, ICakeContext context, IReadOnlyCollection<string> targets, bool exclusive)
    {
        var names = exclusive ? targets : CakeGraphBuilder.Build(engine.Tasks).Traverse(targets);
        var tasks = names.Select(name => engine.Tasks.First(task => task.Name.Equals(name, StringComparison.OrdinalIgnoreCase))).ToList();
        return new SetupContext(context, tasks[^1], tasks);
    }
}
