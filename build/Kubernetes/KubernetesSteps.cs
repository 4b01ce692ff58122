using Cake.Core.Diagnostics;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The Kubernetes steps of one run: kubectl on the configured context and namespace for rendering, diffs and writes,
/// the API server read in-process through the kubeconfig's own credentials, and the steps that use them.
/// </summary>
public sealed class KubernetesSteps : IDisposable
{
    private readonly Lazy<KubeConnection> _connection;

    /// <param name="secrets">What kubectl's output must never show, pod logs included: every step that prints cluster output masks them.</param>
    /// <param name="waitRules">How long WaitReady gives what may heal (WAIT_SCALE_UP_GRACE, WAIT_RESTART_LIMIT).</param>
    /// <param name="lockHolder">Who this run is, as the deploy lock names it (<see cref="LockHolder"/>).</param>
    /// <param name="database">The database path: on cloud-sql the database lives outside the namespace and may hold data before the first deploy.</param>
    /// <param name="waitTimeout">How long the in-cluster backup Job may take (WAIT_TIMEOUT).</param>
    public KubernetesSteps(KubectlTool tool, Kubeconfig kubeconfig, ClusterTarget target, IEnumerable<string> secrets, WaitRules waitRules, string lockHolder, DatabasePath database, TimeSpan waitTimeout, ChangeGate changes, ICakeLog log)
    {
        Target = target;
        Guard = new ContextGuard(kubeconfig);

        // Created on the first read, after the guard has found the context in the kubeconfig.
        _connection = new(() => kubeconfig.ConnectionFor(target.Context));
        var api = new Lazy<KubeApi>(() => new KubeApi(_connection.Value, target.Context, target.Namespace, KubectlRetry.Default, log));
        Kubectl = new Kubectl(tool, new KubectlSettings { Context = target.Context, Namespace = target.Namespace }, api, log);
        foreach (var secret in secrets)
        {
            Kubectl.AddSecret(secret);
        }

        DatabaseSwitch = new DatabaseSwitchGuard(Kubectl, log);
        Annotator = new ServiceAccountAnnotator(Kubectl, changes, log);
        Credentials = new DatabaseCredentials(Kubectl, changes, log);
        Auth = new AuthCredentials(Kubectl, changes, log);
        Iap = new IapOAuthSecret(Kubectl, changes, log);
        Ingress = new IngressAddress(Kubectl);
        Migrations = new MigrationJob(Kubectl, changes, log, TimeSpan.FromSeconds(1));
        Deployer = new ClusterDeployer(Kubectl, changes, log, Migrations, new SchemaCheck(Kubectl, changes, log, Migrations, database == DatabasePath.CloudSql));
        Drift = new LiveDrift(Kubectl);
        PostgresDump = new PostgresDumpJob(Kubectl, Migrations, CloudSqlTarget.DatabaseName, waitTimeout, TimeProvider.System);
        Restore = new PostgresRestore(Kubectl, changes, log, Migrations, TimeProvider.System);
        Waiter = new RolloutWaiter(Kubectl, log, TimeSpan.FromSeconds(1), waitRules);
        Lock = new DeployLock(new KubeLeaseApi(api, target.Namespace), target.Namespace, lockHolder, TimeProvider.System, log);
        Rollback = new ServerRollback(Kubectl, changes, log, Waiter);
    }

    public ClusterTarget Target { get; }

    public IKubectl Kubectl { get; }

    /// <summary>Run by the preflight before the first task: every step after it talks to the cluster the settings name.</summary>
    public ContextGuard Guard { get; }

    /// <summary>Run by the preflight before the first task: a Deploy that would change the database MLflow serves needs --switch-database.</summary>
    public DatabaseSwitchGuard DatabaseSwitch { get; }

    public ServiceAccountAnnotator Annotator { get; }

    public DatabaseCredentials Credentials { get; }

    public AuthCredentials Auth { get; }

    public IapOAuthSecret Iap { get; }

    public IngressAddress Ingress { get; }

    public MigrationJob Migrations { get; }

    public ClusterDeployer Deployer { get; }

    /// <summary>Status's comparison of the rendered manifest with the live objects.</summary>
    public LiveDrift Drift { get; }

    /// <summary>The in-cluster path's backup before a migration.</summary>
    public PostgresDumpJob PostgresDump { get; }

    /// <summary>The Restore target's work: a dump from the volume mlflow-backups back into the in-cluster PostgreSQL.</summary>
    public PostgresRestore Restore { get; }

    public RolloutWaiter Waiter { get; }

    public ServerRollback Rollback { get; }

    public DeployLock Lock { get; }

    /// <summary>
    /// The Lease lives in the namespace, so a first deploy creates the namespace first (idempotent, and what Annotate
    /// does anyway), then takes the lock.
    /// </summary>
    public async Task AcquireLockAsync(TimeSpan waitTimeout, bool breakLock, CancellationToken cancellationToken)
    {
        await Annotator.EnsureNamespaceAsync(cancellationToken);
        await Lock.AcquireAsync(waitTimeout, breakLock, cancellationToken);
    }

    public void Dispose()
    {
        if (_connection.IsValueCreated)
        {
            _connection.Value.Dispose();
        }
    }
}
