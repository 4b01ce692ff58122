using Cake.Core.Diagnostics;
using Cake.Frosting;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// One deploy at a time per namespace: the Lease <see cref="LeaseName"/> names its holder, is renewed every
/// <see cref="RenewInterval"/> while the run lasts and cleared at the end. A holder that dies stops renewing, and its
/// lease expires <see cref="LeaseDuration"/> after the last renewal. Every write carries the resourceVersion it read,
/// so of two racing deploys one wins and the other re-reads.
/// </summary>
public sealed class DeployLock(ILeaseApi leases, string ns, string holder, TimeProvider time, ICakeLog log)
{
    public const string LeaseName = "mlflow-deploy";

    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan RenewInterval = TimeSpan.FromSeconds(10);

    /// <summary>--break-lock takes over a lease not renewed for this long: a live holder renews twice in that time.</summary>
    public static readonly TimeSpan StaleAfter = RenewInterval * 2;

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long the release may take: an API server that stopped answering must not hold the run's end; the lease expires by itself.</summary>
    private static readonly TimeSpan ReleaseTimeLimit = TimeSpan.FromSeconds(10);

    private Lease? _held;
    private CancellationTokenSource? _stopRenewing;
    private Task? _renewing;

    public string Holder => holder;

    public string Description => $"lease {ns}/{LeaseName}";

    /// <summary>Takes the lease, waiting up to <paramref name="waitTimeout"/> for another holder to release it or let it expire.</summary>
    /// <exception cref="DeployLockedException">The lease is still held when the wait ends; nothing was written.</exception>
    public async Task AcquireAsync(TimeSpan waitTimeout, bool breakLock, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + waitTimeout;
        while (_held == null)
        {
            var live = await leases.GetAsync(LeaseName, cancellationToken);
            var now = time.GetUtcNow();
            if (live == null || !live.IsHeld || live.IsExpired(now) || (breakLock && IsStale(live, now)))
            {
                await TryTakeAsync(live, now, breakLock, cancellationToken);
                continue;
            }

            if (now >= deadline)
            {
                throw new DeployLockedException(Refusal(live, now, waitTimeout, breakLock));
            }

            await Task.Delay(Min(PollInterval, deadline - now), time, cancellationToken);
        }

        log.Information("Deploy lock: holding {0} as {1}.", Description, holder);
        _stopRenewing = new CancellationTokenSource();
        _renewing = RenewAsync(_stopRenewing.Token);
    }

    /// <summary>Clears the holder so the next deploy starts at once; leaves the lease alone when someone took it over.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        if (_renewing == null)
        {
            return;
        }

        await _stopRenewing!.CancelAsync();
        await _renewing;
        _renewing = null;
        if (_held == null)
        {
            return; // taken over during the run: said so when renewing failed
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(ReleaseTimeLimit);
        try
        {
            await leases.ReplaceAsync(_held with { Holder = null, RenewTime = null }, limit.Token);
            log.Information("Deploy lock: released {0}.", Description);
        }
        catch (LeaseConflictException)
        {
            log.Warning("Deploy lock: {0} changed hands during this run (someone used --break-lock); left as it is.", Description);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            log.Warning("Deploy lock: the API server did not answer the release of {0} within {1}s; it expires by itself {2}s after its last renewal.", Description, (int)ReleaseTimeLimit.TotalSeconds, (int)LeaseDuration.TotalSeconds);
        }

        _held = null;
    }

    /// <summary>Who holds the lock now, read only: "free", or the holder, since when and the last renewal.</summary>
    public async Task<string> DescribeHolderAsync(CancellationToken cancellationToken)
    {
        var live = await leases.GetAsync(LeaseName, cancellationToken);
        var now = time.GetUtcNow();
        return live is not { IsHeld: true } ? $"free ({Description})"
            : live.IsExpired(now) ? $"expired: last held by {live.Holder} since {live.AcquireTime:u} (last renewed {Ago(live, now)})"
            : $"held by {live.Holder} since {live.AcquireTime:u} (last renewed {Ago(live, now)})";
    }

    private static bool IsStale(Lease lease, DateTimeOffset now) => lease.RenewTime == null || now - lease.RenewTime.Value >= StaleAfter;

    private static TimeSpan Min(TimeSpan first, TimeSpan second) => first < second ? first : second;

    private static string Ago(Lease lease, DateTimeOffset now) =>
        lease.RenewTime is { } renewed ? $"{(int)(now - renewed).TotalSeconds}s ago" : "never";

    private async Task TryTakeAsync(Lease? live, DateTimeOffset now, bool breakLock, CancellationToken cancellationToken)
    {
        var duration = (int)LeaseDuration.TotalSeconds;
        try
        {
            if (live == null)
            {
                _held = await leases.CreateAsync(new Lease(LeaseName, holder, duration, now, now, 0, null), cancellationToken);
                return;
            }

            if (live.IsHeld)
            {
                var why = live.IsExpired(now) ? "it expired" : "--break-lock";
                log.Warning("Deploy lock: TAKING OVER {0} from {1} (held since {2:u}, last renewed {3}) because {4}. If that run is still changing the cluster, the two runs now interleave.", Description, live.Holder!, live.AcquireTime, Ago(live, now), why);
            }

            _held = await leases.ReplaceAsync(live with { Holder = holder, DurationSeconds = duration, AcquireTime = now, RenewTime = now, Transitions = live.Transitions + 1 }, cancellationToken);
        }
        catch (LeaseConflictException)
        {
            // Another deploy wrote the lease since it was read: read it again and decide anew.
        }
    }

    private string Refusal(Lease live, DateTimeOffset now, TimeSpan waited, bool breakLock)
    {
        var message = $"Another deploy holds the deploy lock: {Description} is held by {live.Holder} since {live.AcquireTime:u} (last renewed {Ago(live, now)}); waited {(int)waited.TotalSeconds}s (LOCK_TIMEOUT). Nothing was changed.";
        return breakLock
            ? $"{message} --break-lock refused: the holder renewed the lease less than {(int)StaleAfter.TotalSeconds}s ago, so it is running; stop it or wait for it to finish."
            : $"{message} Wait for it to finish and run again, or raise LOCK_TIMEOUT; if that run is gone, its lease expires {(int)LeaseDuration.TotalSeconds}s after its last renewal, and --break-lock takes it over once it has not been renewed for {(int)StaleAfter.TotalSeconds}s.";
    }

    private async Task RenewAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(RenewInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    _held = await leases.ReplaceAsync(_held! with { RenewTime = time.GetUtcNow() }, stop);
                }
                catch (LeaseConflictException)
                {
                    log.Error("Deploy lock: {0} was taken over by another run (--break-lock); this run no longer holds it.", Description);
                    _held = null;
                    return;
                }
                catch (KubectlException exception)
                {
                    log.Warning("Deploy lock: renewing {0} failed, retrying in {1}s: {2}", Description, (int)RenewInterval.TotalSeconds, exception.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Released.
        }
    }
}

/// <summary>Another deploy holds the lock: exit code 3, and nothing was changed.</summary>
public sealed class DeployLockedException(string message) : Exception(message), IExitCodeException
{
    public int ExitCode => 3;
}
