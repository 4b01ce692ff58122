using Cake.Core;
using Cake.Core.Diagnostics;

namespace Cake.Frosting.Internal;

/// <summary>Registers task classes and lifetimes with the Cake engine, as Cake.Frosting's engine does.</summary>
internal sealed class TaskRegistrar(ICakeEngine engine, IFrostingContext context, TaskSkipReasons skipReasons, AsyncSetupRunner asyncSetup, ICakeLog log, IReadOnlyCollection<string> targets, bool exclusive, bool dryRun)
{
    public IReadOnlyCollection<string> Register(IEnumerable<IFrostingTask> tasks, IFrostingLifetime? lifetime, IFrostingTaskLifetime? taskLifetime)
    {
        var names = new List<string>();
        foreach (var task in tasks)
        {
            names.Add(Register(task));
        }

        // A dry run lists the tasks and executes nothing, setup (which may read the outside world) included.
        if (lifetime != null && !dryRun)
        {
            engine.RegisterSetupAction(info =>
            {
                asyncSetup.Replay();
                lifetime.Setup(context, exclusive ? new ExclusiveSetupContext(info, targets) : info);
            });
            engine.RegisterTeardownAction(info => lifetime.Teardown(context, info));
        }

        if (taskLifetime != null)
        {
            engine.RegisterTaskSetupAction(info => taskLifetime.Setup(context, info));
            engine.RegisterTaskTeardownAction(info => taskLifetime.Teardown(context, info));
        }

        return names;
    }

    private string Register(IFrostingTask task)
    {
        var type = task.GetType();
        var name = TaskNames.Of(type);
        log.Debug("Registering task: {0}", name);

        var builder = engine.RegisterTask(name);
        var description = type.GetCustomAttributes(typeof(TaskDescriptionAttribute), false).OfType<TaskDescriptionAttribute>().FirstOrDefault();
        if (description != null)
        {
            builder.Description(description.Description);
        }

        if (targets.Contains(name, StringComparer.OrdinalIgnoreCase) && !dryRun)
        {
            // Cake fails a run whose target's own criteria is false ("Could not reach target"), but a step run alone
            // (--target=PushImage in a CI job) that finds nothing to do has succeeded: it logs why and returns.
            builder.Does(async () =>
            {
                if (ShouldRun(task, name))
                {
                    await task.RunAsync(context);
                }
                else if (skipReasons.SkipOf(name) is not { Planned: true })
                {
                    log.Information("Nothing to do: {0}", skipReasons.For(name) ?? "its criteria were not met");
                }
            });
        }
        else
        {
            builder.Does(task.RunAsync);
            if (!dryRun)
            {
                // Criteria read state (a registry, a cluster); a dry run lists every task instead.
                builder.WithCriteria(_ => ShouldRun(task, name), "its criteria were not met");
            }
        }

        if (type.IsDefined(typeof(ContinueOnErrorAttribute), false))
        {
            builder.ContinueOnError();
        }

        // As in Cake.Frosting: an OnError handler marks the error as handled, so only overrides are registered.
        if (IsOverridden(type, nameof(IFrostingTask.OnError)))
        {
            builder.OnError((exception, _) => task.OnError(exception, context));
        }

        if (IsOverridden(type, nameof(IFrostingTask.Finally)))
        {
            builder.Finally(_ => task.Finally(context));
        }

        foreach (var dependency in TaskNames.DependenciesOf(type))
        {
            builder.IsDependentOn(TaskNames.Of(dependency));
        }

        foreach (var dependee in TaskNames.DependeesOf(type))
        {
            builder.IsDependeeOf(TaskNames.Of(dependee));
        }

        return name;
    }

    private bool ShouldRun(IFrostingTask task, string name)
    {
        skipReasons.EvaluatingTask = name;
        try
        {
            return task.ShouldRun(context);
        }
        finally
        {
            skipReasons.EvaluatingTask = null;
        }
    }

    private static bool IsOverridden(Type taskType, string methodName)
    {
        var declaring = taskType.GetMethods().First(method => method.Name == methodName && !method.DeclaringType!.IsInterface).DeclaringType!;
        return !(declaring.IsGenericType && declaring.GetGenericTypeDefinition() is var definition
            && (definition == typeof(FrostingTask<>) || definition == typeof(AsyncFrostingTask<>)));
    }
}
