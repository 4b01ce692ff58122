using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build;

/// <summary>
/// What this run deploys, decided once from the settings: the committed overlay and components, the workloads
/// WaitReady waits for, the Kubernetes service accounts with the Google service accounts they act as, the database
/// MLflow reaches, and which preflight checks apply. Classes read it instead of branching on the database path.
/// A new capability (auth, exposure, metrics) adds its parts here: a component, a workload, a
/// service-account pair, a preflight check. Parts that need a setting are computed on first use, so a step that
/// does not need them (WaitReady alone needs only the kube context) runs without it.
/// </summary>
public sealed class Topology(DeploySettings settings)
{
    /// <summary>
    /// The Workload Identity annotation on a Kubernetes service account. Annotate is its one writer (server-side apply,
    /// field manager mlflow-gke-annotate), before any pod starts; the rendered manifests never carry it, so Apply
    /// (field manager mlflow-gke-deploy) neither sets nor removes it.
    /// </summary>
    public const string WorkloadIdentityAnnotation = "iam.gke.io/gcp-service-account";

    public const string CloudSqlClientRole = "roles/cloudsql.client";

    /// <summary>Lets a Google service account log in to Cloud SQL databases as an IAM database user.</summary>
    public const string CloudSqlInstanceUserRole = "roles/cloudsql.instanceUser";

    /// <summary>The basic-auth app's database, next to mlflowdb.</summary>
    public const string AuthDatabaseName = "mlflow_auth";

    private const string MlflowAccount = "mlflow";
    private const string ProxyAccount = "mlflow-cloudsql-proxy";

    private static readonly Workload MlflowServer = new("Deployment", "mlflow");
    private static readonly Workload Postgres = new("StatefulSet", "postgres");
    private static readonly Workload CloudSqlProxy = new("Deployment", "cloudsql-proxy");

    public DatabasePath Database { get; } = settings.Database;

    public string Namespace { get; } = settings.Namespace;

    private bool OnCloudSql => Database == DatabasePath.CloudSql;

    /// <summary>The committed overlay, relative to deployment/mlflow.</summary>
    public string Overlay => OnCloudSql ? "env/gcp-cloudsql" : "env/gcp";

    /// <summary>Components added to the overlay, relative to deployment/mlflow: MySQL on Cloud SQL, METRICS and AUTH.</summary>
    public IReadOnlyList<string> Components =>
    [
        .. OnCloudSql && settings.CloudSqlEngine == CloudSqlEngine.MySql ? ["components/cloudsql-mysql"] : Array.Empty<string>(),
        .. settings.Metrics ? ["components/metrics"] : Array.Empty<string>(),
        .. Auth == AuthMode.Basic ? ["components/basic-auth"] : Array.Empty<string>(),
        .. IsExposed ? ["components/ingress"] : Array.Empty<string>(),
        .. Auth == AuthMode.Iap ? ["components/iap"] : Array.Empty<string>(),
    ];

    public AuthMode Auth => settings.Auth;

    /// <summary>
    /// Whether MLflow is reachable from outside the cluster: with EXPOSE=ingress through GKE Ingress at <see cref="Hostname"/>
    /// (AUTH=none is then refused by the settings); otherwise svc/mlflow is a ClusterIP Service reached through kubectl port-forward.
    /// </summary>
    public bool IsExposed => settings.Expose == ExposeMode.Ingress;

    /// <summary>The DNS name MLflow is published at; null when not exposed.</summary>
    public string? Hostname => settings.MlflowHostname;

    /// <summary>
    /// With AUTH=basic, the database of MLflow's basic-auth app: a second database on the same server and login as the
    /// backend store, shared by all replicas.
    /// </summary>
    public DatabaseTarget? AuthDatabaseTarget => Auth == AuthMode.Basic ? DatabaseTarget with { Database = AuthDatabaseName } : null;

    /// <summary>What WaitReady waits for: the database side first (PostgreSQL, or the Cloud SQL proxy, never both), then MLflow.</summary>
    public IReadOnlyList<Workload> Workloads => [DatabaseWorkload, Mlflow];

    /// <summary>
    /// The workloads that run <see cref="Replicas"/> pods spread across zones, each with a PodDisruptionBudget of its name:
    /// MLflow, and on cloud-sql the proxy its connections go through (PostgreSQL in the cluster is one pod).
    /// </summary>
    public IReadOnlyList<Workload> Replicated => OnCloudSql ? [MlflowServer, CloudSqlProxy] : [MlflowServer];

    /// <summary>MLFLOW_REPLICAS; with one replica the PodDisruptionBudgets go, since minAvailable 1 would block every node drain.</summary>
    public int Replicas => settings.MlflowReplicas;

    public bool HasDisruptionBudgets => Replicas > 1;

    /// <summary>The MLflow server, the workload a failed rollout is rolled back on.</summary>
    public Workload Mlflow => MlflowServer;

    /// <summary>How to bring the database back to before a migration, for the message that refuses a rollback below the schema.</summary>
    public string DatabaseRestoreHint => CloudSql is { } cloudSql
        ? $"find the backup with `gcloud sql backups list --instance={cloudSql.Instance.Instance} --project={cloudSql.Instance.Project}`, then `gcloud sql backups restore BACKUP_ID --restore-instance={cloudSql.Instance.Instance} --project={cloudSql.Instance.Project}`."
        : $"load a pg_dump taken before the migration into the in-cluster PostgreSQL (`kubectl exec --namespace {Namespace} -i statefulset/postgres -- psql ...`).";

    /// <summary>The workload MLflow's database connections go through.</summary>
    public Workload DatabaseWorkload => OnCloudSql ? CloudSqlProxy : Postgres;

    /// <summary>The Cloud SQL database MLflow uses; null on the in-cluster path.</summary>
    public CloudSqlTarget? CloudSql => OnCloudSql
        ? (field ??= new CloudSqlTarget(settings.CloudSqlInstance, settings.CloudSqlEngine, settings.CloudSqlPrivateIp, CloudSqlTarget.DatabaseName, CloudSqlUserOf(settings), settings.Auth == AuthMode.Basic ? AuthDatabaseName : null))
        : null;

    /// <summary>
    /// The database MLflow's backend store URI points at: the in-cluster PostgreSQL Service, or the Cloud SQL Auth Proxy's
    /// Service (port 3306 and the pymysql driver for MySQL), and the database mlflowdb.
    /// </summary>
    public DatabaseTarget DatabaseTarget => field ??= CloudSql is { } cloudSql
        ? cloudSql.Engine == CloudSqlEngine.MySql
            ? new(Database, "mysql+pymysql", DatabaseWorkload.Name, 3306, CloudSqlTarget.DatabaseName, cloudSql.Instance.ConnectionName)
            : new(Database, "postgresql+psycopg2", DatabaseWorkload.Name, 5432, CloudSqlTarget.DatabaseName, cloudSql.Instance.ConnectionName)
        : new(Database, "postgresql+psycopg2", DatabaseWorkload.Name, 5432, CloudSqlTarget.DatabaseName, null);

    /// <summary>
    /// The login MLflow uses: in-cluster DB_USER with a generated password; on Cloud SQL the user CreateDatabase made,
    /// DB_USER with DB_PASSWORD, or with CLOUDSQL_AUTH=iam the proxy's service account without a password (the proxy logs in).
    /// </summary>
    public DatabaseLogin DatabaseLogin => field ??= CloudSql is { } cloudSql
        ? new DatabaseLogin(cloudSql.User.Login, cloudSql.User.IsIam ? null : settings.DatabasePassword)
        : new DatabaseLogin(settings.DatabaseUser, null);

    /// <summary>Each Kubernetes service account whose pods call Google APIs, with its Google service account and that account's project roles.</summary>
    public IReadOnlyList<ServiceAccountPair> ServiceAccounts => field ??= OnCloudSql
        ? [MlflowPair(), new(ProxyAccount, ProxyAccountOf(settings), settings.CloudSqlAuth == CloudSqlAuth.Iam ? [CloudSqlClientRole, CloudSqlInstanceUserRole] : [CloudSqlClientRole])]
        : [MlflowPair()];

    /// <summary>What to look at when MLflow cannot use its database, for error messages.</summary>
    public string DatabaseCheck => OnCloudSql
        ? $"Check the Cloud SQL Auth Proxy (kubectl logs {DatabaseWorkload.KindAndName} --namespace {Namespace}; its Google service account needs {CloudSqlClientRole}) and that the database {CloudSqlTarget.DatabaseName} exists (--target=CreateDatabase)"
        : $"Check the in-cluster PostgreSQL (kubectl get pods --selector app={DatabaseWorkload.Name} --namespace {Namespace})";

    /// <summary>The checks that the tasks about to run declare for this path.</summary>
    public IReadOnlySet<PreflightCheck> PreflightChecks(IEnumerable<PreflightAttribute> declared) =>
        declared.Where(attribute => attribute.OnlyOn.Contains(Database)).Select(attribute => attribute.Check).ToHashSet();

    private static GoogleServiceAccount ProxyAccountOf(DeploySettings settings) =>
        GoogleServiceAccount.CreatedBySuite(settings.ProjectId, settings.ProxyServiceAccountId, "MLflow Cloud SQL proxy", "Identity of the Cloud SQL Auth Proxy for MLflow; created by the MLflow deployment suite.");

    /// <summary>DB_USER, or with CLOUDSQL_AUTH=iam the proxy's Google service account as an IAM database user.</summary>
    private static CloudSqlUser CloudSqlUserOf(DeploySettings settings) => settings.CloudSqlAuth == CloudSqlAuth.Iam
        ? CloudSqlUser.IamServiceAccount(ProxyAccountOf(settings).Email, settings.CloudSqlEngine)
        : CloudSqlUser.BuiltIn(settings.DatabaseUser);

    private ServiceAccountPair MlflowPair() =>
        new(MlflowAccount, GoogleServiceAccount.Existing(settings.ProjectId, settings.MlflowServiceAccountEmail, SettingNames.MlflowServiceAccountId), []);
}

/// <summary>A workload whose rollout WaitReady waits for.</summary>
public sealed record Workload(string Kind, string Name)
{
    /// <summary>As kubectl names it with --output=name: "deployment.apps/mlflow".</summary>
    public string Resource => $"{Kind.ToLowerInvariant()}.apps/{Name}";

    /// <summary>As a user types it: "deployment/mlflow".</summary>
    public string KindAndName => $"{Kind.ToLowerInvariant()}/{Name}";
}

/// <summary>A Kubernetes service account whose pods act as a Google service account (Workload Identity), and the roles that account holds on the project.</summary>
public sealed record ServiceAccountPair(string KubernetesServiceAccount, GoogleServiceAccount Google, IReadOnlyList<string> ProjectRoles);

/// <summary>A Google service account: one the user made and names in a setting, or one the suite creates when missing.</summary>
public sealed record GoogleServiceAccount(string ProjectId, string Email, string? Setting, AccountCreation? Creation)
{
    public const string Domain = "iam.gserviceaccount.com";

    public static GoogleServiceAccount Existing(string projectId, string email, string setting) => new(projectId, email, setting, null);

    public static GoogleServiceAccount CreatedBySuite(string projectId, string accountId, string displayName, string description) =>
        new(projectId, $"{accountId}@{projectId}.{Domain}", null, new AccountCreation(accountId, displayName, description));
}

/// <summary>How the suite creates a Google service account it owns.</summary>
public sealed record AccountCreation(string AccountId, string DisplayName, string Description);

/// <summary>The database login MLflow uses; a null password means "generate one when the Secret is created".</summary>
public sealed record DatabaseLogin(string User, string? Password);

/// <summary>MLflow's database and user in an existing Cloud SQL instance, reached through the Cloud SQL Auth Proxy.</summary>
public sealed record CloudSqlTarget(CloudSqlInstance Instance, CloudSqlEngine Engine, bool PrivateIp, string Database, CloudSqlUser User, string? AuthDatabase = null)
{
    /// <summary>The databases CreateDatabase makes: MLflow's, and with AUTH=basic the basic-auth app's.</summary>
    public IReadOnlyList<string> Databases => AuthDatabase == null ? [Database] : [Database, AuthDatabase];

    public const string DatabaseName = "mlflowdb";

    /// <summary>What the generated overlay appends to the proxy's arguments.</summary>
    public IReadOnlyList<string> ProxyArguments => [.. PrivateIp ? ["--private-ip"] : Array.Empty<string>(), .. User.IsIam ? ["--auto-iam-authn"] : Array.Empty<string>()];
}

/// <summary>
/// A Cloud SQL user as the Admin API creates it (<see cref="Name"/>) and as MLflow logs in (<see cref="Login"/>): a built-in
/// user has one name; a service account's IAM user is named after its email without ".gserviceaccount.com" on PostgreSQL,
/// and on MySQL is created with the whole email and logs in with the part before the @.
/// </summary>
public sealed record CloudSqlUser(string Name, string Login, bool IsIam)
{
    private const string ServiceAccountDomainSuffix = ".gserviceaccount.com";

    public static CloudSqlUser BuiltIn(string name) => new(name, name, false);

    public static CloudSqlUser IamServiceAccount(string email, CloudSqlEngine engine) => engine == CloudSqlEngine.MySql
        ? new(email, email[..email.IndexOf('@', StringComparison.Ordinal)], true)
        : new(email[..^ServiceAccountDomainSuffix.Length], email[..^ServiceAccountDomainSuffix.Length], true);
}
