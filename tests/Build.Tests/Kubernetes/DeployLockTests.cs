using Cake.Core.Diagnostics;
using MlflowGke.Build.Kubernetes;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>The lock's algorithm against leases kept in memory with the apiserver's optimistic concurrency.</summary>
public sealed class DeployLockTests
{
    [Test]
    public async Task Of_two_deploys_racing_for_a_free_lease_one_wins_and_the_other_is_refused_after_rereading()
    {
        // Given a store where another deploy creates the lease between this deploy's read and its create
        var leases = new InMemoryLeases();
        var other = new DeployLock(leases, "mlflow", "ci-run", TimeProvider.System, new NullLog());
        leases.BeforeNextWrite = () => other.AcquireAsync(TimeSpan.Zero, breakLock: false, CancellationToken.None).GetAwaiter().GetResult();
        var mine = new DeployLock(leases, "mlflow", "laptop", TimeProvider.System, new NullLog());

        // When this deploy tries to take it without waiting
        var refused = Assert.ThrowsAsync<DeployLockedException>(() => mine.AcquireAsync(TimeSpan.Zero, breakLock: false, CancellationToken.None));

        // Then the other one holds it, and this one says so
        Assert.That(leases.Current!.Holder, Is.EqualTo("ci-run"));
        Assert.That(refused!.Message, Does.Contain("held by ci-run"));
        await other.ReleaseAsync(CancellationToken.None);
    }

    [Test]
    public async Task Release_clears_the_holder_so_the_next_deploy_takes_the_lease_at_once()
    {
        // Given a deploy that held the lock and released it
        var leases = new InMemoryLeases();
        var first = new DeployLock(leases, "mlflow", "first", TimeProvider.System, new NullLog());
        await first.AcquireAsync(TimeSpan.Zero, breakLock: false, CancellationToken.None);
        await first.ReleaseAsync(CancellationToken.None);

        // When the next deploy takes it without waiting
        var next = new DeployLock(leases, "mlflow", "next", TimeProvider.System, new NullLog());
        await next.AcquireAsync(TimeSpan.Zero, breakLock: false, CancellationToken.None);

        // Then it holds it
        Assert.That(leases.Current!.Holder, Is.EqualTo("next"));
        await next.ReleaseAsync(CancellationToken.None);
    }

    /// <summary>One Lease with the apiserver's rules: create fails when it exists, replace fails on a stale resourceVersion.</summary>
    private sealed class InMemoryLeases : ILeaseApi
    {
        private int _version;

        public Lease? Current { get; private set; }

        public Action? BeforeNextWrite { get; set; }

        public Task<Lease?> GetAsync(string name, CancellationToken cancellationToken) => Task.FromResult(Current);

        public Task<Lease> CreateAsync(Lease lease, CancellationToken cancellationToken)
        {
            RunRacer();
            return Current == null ? Task.FromResult(Store(lease)) : throw new LeaseConflictException("leases.coordination.k8s.io \"mlflow-deploy\" already exists");
        }

        public Task<Lease> ReplaceAsync(Lease lease, CancellationToken cancellationToken)
        {
            RunRacer();
            return Current?.ResourceVersion == lease.ResourceVersion ? Task.FromResult(Store(lease)) : throw new LeaseConflictException("the object has been modified");
        }

        private void RunRacer()
        {
            var racer = BeforeNextWrite;
            BeforeNextWrite = null;
            racer?.Invoke();
        }

        private Lease Store(Lease lease) => Current = lease with { ResourceVersion = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture) };
    }
}
