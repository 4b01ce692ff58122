using Cake.Core;

namespace Cake.Frosting;

public interface IFrostingLifetime
{
    void Setup(ICakeContext context, ISetupContext info);

    void Teardown(ICakeContext context, ITeardownContext info);
}

/// <summary>Runs once before the first task and once after the last.</summary>
public abstract class FrostingLifetime<TContext> : IFrostingLifetime
    where TContext : ICakeContext
{
    public abstract void Setup(TContext context, ISetupContext info);

    public abstract void Teardown(TContext context, ITeardownContext info);

    void IFrostingLifetime.Setup(ICakeContext context, ISetupContext info) => Setup((TContext)context, info);

    void IFrostingLifetime.Teardown(ICakeContext context, ITeardownContext info) => Teardown((TContext)context, info);
}

public interface IFrostingTaskLifetime
{
    void Setup(ICakeContext context, ITaskSetupContext info);

    void Teardown(ICakeContext context, ITaskTeardownContext info);
}

/// <summary>Runs around every task.</summary>
public abstract class FrostingTaskLifetime<TContext> : IFrostingTaskLifetime
    where TContext : ICakeContext
{
    public abstract void Setup(TContext context, ITaskSetupContext info);

    public abstract void Teardown(TContext context, ITaskTeardownContext info);

    void IFrostingTaskLifetime.Setup(ICakeContext context, ITaskSetupContext info) => Setup((TContext)context, info);

    void IFrostingTaskLifetime.Teardown(ICakeContext context, ITaskTeardownContext info) => Teardown((TContext)context, info);
}

/// <summary>
/// A lifetime whose setup awaits (reads a registry, a cluster). Not part of Cake.Frosting (see README.md): Cake's
/// setup step is synchronous, so the host awaits <see cref="SetupAsync"/> just before the engine starts and replays
/// its outcome in Cake's setup step: a failure there stops the run, and teardown still runs, as with Cake's own setup.
/// </summary>
public abstract class AsyncFrostingLifetime<TContext> : IFrostingLifetime, IAsyncFrostingSetup
    where TContext : ICakeContext
{
    public abstract Task SetupAsync(TContext context, ISetupContext info);

    public abstract void Teardown(TContext context, ITeardownContext info);

    Task IAsyncFrostingSetup.SetupAsync(ICakeContext context, ISetupContext info) => SetupAsync((TContext)context, info);

    // The host has awaited SetupAsync before the engine calls this.
    void IFrostingLifetime.Setup(ICakeContext context, ISetupContext info)
    {
    }

    void IFrostingLifetime.Teardown(ICakeContext context, ITeardownContext info) => Teardown((TContext)context, info);
}

internal interface IAsyncFrostingSetup
{
    Task SetupAsync(ICakeContext context, ISetupContext info);
}
