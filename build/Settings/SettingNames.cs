using MlflowGke.Build.Google;
using MlflowGke.Build.Kubernetes;

namespace MlflowGke.Build.Settings;

/// <summary>
/// Every setting the suite reads, in the order the settings table prints them: one definition each, with its parser
/// and what applies when it is not given. A new setting is a constant here and one line in <see cref="All"/>.
/// </summary>
public static class SettingNames
{
    public const string ProjectId = "PROJECT_ID";
    public const string Region = "REGION";
    public const string ClusterName = "CLUSTER_NAME";
    public const string KubeContext = "KUBE_CONTEXT";
    public const string Namespace = "NAMESPACE";
    public const string Database = "DATABASE";
    public const string BucketNameMlflow = "BUCKET_NAME_MLFLOW";
    public const string CloudSqlInstanceName = "CLOUDSQL_INSTANCE_NAME";
    public const string CloudSqlEngine = "CLOUDSQL_ENGINE";
    public const string CloudSqlPrivateIp = "CLOUDSQL_PRIVATE_IP";
    public const string CloudSqlAuth = "CLOUDSQL_AUTH";
    public const string Auth = "AUTH";
    public const string Expose = "EXPOSE";
    public const string MlflowHostname = "MLFLOW_HOSTNAME";
    public const string IapClientId = "IAP_CLIENT_ID";
    public const string IapClientSecret = "IAP_CLIENT_SECRET";
    public const string MlflowTrackingUsername = "MLFLOW_TRACKING_USERNAME";
    public const string MlflowTrackingPassword = "MLFLOW_TRACKING_PASSWORD";
    public const string MlflowServiceAccountId = "MLFLOW_SERVICE_ACCOUNT_ID";
    public const string ResourceSuffix = "RESOURCE_SUFFIX";
    public const string ArtifactRegistryRepository = "ARTIFACT_REGISTRY_REPOSITORY";
    public const string ImageRepository = "IMAGE_REPOSITORY";
    public const string ImageTag = "IMAGE_TAG";
    public const string ImageContext = "IMAGE_CONTEXT";
    public const string Dockerfile = "DOCKERFILE";
    public const string ImageMirror = "IMAGE_MIRROR";
    public const string MlflowReplicas = "MLFLOW_REPLICAS";
    public const string ClientNamespaceLabel = "CLIENT_NAMESPACE_LABEL";
    public const string Metrics = "METRICS";
    public const string DatabaseUser = "DB_USER";
    public const string DatabasePassword = "DB_PASSWORD";
    public const string GoogleRetryDelay = "GOOGLE_RETRY_DELAY";
    public const string WaitTimeout = "WAIT_TIMEOUT";
    public const string WaitScaleUpGrace = "WAIT_SCALE_UP_GRACE";
    public const string WaitRestartLimit = "WAIT_RESTART_LIMIT";
    public const string MlflowUrl = "MLFLOW_URL";
    public const string DeleteData = "DELETE_DATA";
    public const string SwitchDatabase = "SWITCH_DATABASE";
    public const string NoRollback = "NO_ROLLBACK";
    public const string SkipBackup = "SKIP_BACKUP";
    public const string RestoreDump = "RESTORE_DUMP";
    public const string Plan = "PLAN";
    public const string LockTimeout = "LOCK_TIMEOUT";
    public const string BreakLock = "BREAK_LOCK";

    public static IReadOnlyList<SettingDefinition> All { get; } =
    [
        new(ProjectId, "Google Cloud project ID.", SettingRules.ProjectId),
        new(Region, "Region of the cluster, the Artifact Registry and the Cloud SQL instance.", SettingRules.Region),
        new(ClusterName, "GKE cluster name.", SettingRules.ClusterName),
        new(KubeContext, "kubeconfig context to deploy to.", SettingRules.KubeContext, SettingDefault.Template("gke_{PROJECT_ID}_{REGION}_{CLUSTER_NAME}")),
        new(Namespace, "Kubernetes namespace.", SettingRules.Namespace, SettingDefault.Value("mlflow")),
        new(Database, "Database path: in-cluster or cloud-sql.", SettingParser.Choice(("in-cluster", DatabasePath.InCluster), ("cloud-sql", DatabasePath.CloudSql)), SettingDefault.Computed("cloud-sql when CLOUDSQL_INSTANCE_NAME is set, else in-cluster", settings => settings.IsSet(CloudSqlInstanceName) ? "cloud-sql" : "in-cluster")),
        new(BucketNameMlflow, "GCS bucket for artifacts (name or gs://name).", SettingRules.Bucket),
        new(CloudSqlInstanceName, "Cloud SQL instance: PROJECT:REGION:INSTANCE, or INSTANCE (expanded with PROJECT_ID and REGION).", SettingRules.CloudSqlInstance),
        new(CloudSqlEngine, "Cloud SQL engine: postgres or mysql.", SettingParser.Choice(("postgres", Settings.CloudSqlEngine.Postgres), ("mysql", Settings.CloudSqlEngine.MySql)), SettingDefault.Value("postgres")),
        new(CloudSqlPrivateIp, "Connect the Cloud SQL proxy over private IP (true/false).", SettingParser.Flag, SettingDefault.Value("false")),
        new(CloudSqlAuth, "How MLflow logs in to Cloud SQL: password (DB_USER/DB_PASSWORD) or iam (IAM database authentication as the proxy's Google service account, no password).", SettingParser.Choice(("password", Settings.CloudSqlAuth.Password), ("iam", Settings.CloudSqlAuth.Iam)), SettingDefault.Value("password")),
        new(Auth, "Who may use MLflow: basic (MLflow's basic-auth app, an admin generated into the Secret mlflow-auth), iap (Identity-Aware Proxy on the load balancer; needs EXPOSE=ingress, IAP_CLIENT_ID and IAP_CLIENT_SECRET) or none (no login; refused unless EXPOSE=none).", SettingRules.Auth, SettingDefault.Value("basic")),
        new(Expose, "How MLflow is reached from outside the cluster: none (kubectl port-forward only) or ingress (GKE Ingress: Google's external HTTPS load balancer with a Google-managed certificate for MLFLOW_HOSTNAME).", SettingRules.Expose, SettingDefault.Value("none")),
        new(MlflowHostname, "DNS name MLflow is served at with EXPOSE=ingress (e.g. mlflow.example.com): the certificate's domain, MLflow's allowed host and CORS origin; point its A record at the Ingress's address.", SettingRules.Hostname),
        new(IapClientId, "OAuth client ID Identity-Aware Proxy uses with AUTH=iap (NUMBER-ID.apps.googleusercontent.com); also the audience of Verify's ID token.", SettingRules.OAuthClientId),
        new(IapClientSecret, "OAuth client secret of IAP_CLIENT_ID; Apply writes it into the Secret mlflow-iap-oauth that the Ingress's BackendConfig names.", SettingParser.Secret, IsSecret: true),
        new(MlflowServiceAccountId, "Account ID of MLflow's Google service account (the part before @).", SettingRules.ServiceAccountId),
        new(ResourceSuffix, "Suffix of the Cloud SQL proxy's Google service account, mlflow-csql-proxy-SUFFIX.", SettingRules.ResourceSuffix),
        new(ArtifactRegistryRepository, "Artifact Registry repository of the default image repository.", SettingRules.RepositoryId, SettingDefault.Value("mlflow")),
        new(ImageRepository, "Image repository.", SettingRules.ImageRepository, SettingDefault.Template("{REGION}-docker.pkg.dev/{PROJECT_ID}/{ARTIFACT_REGISTRY_REPOSITORY}/mlflow")),
        new(ImageTag, "Image tag.", SettingRules.ImageTag, SettingDefault.Behaviour("a digest of the image's build inputs")),
        new(ImageContext, "Docker build context of the MLflow image (inside the repository).", SettingRules.PathInRepository, SettingDefault.Value("deployment/mlflow-image")),
        new(Dockerfile, "Dockerfile of the MLflow image (inside the repository).", SettingRules.PathInRepository, SettingDefault.Template("{IMAGE_CONTEXT}/Dockerfile")),
        new(ImageMirror, "Registry (HOST[:PORT][/PATH]) holding copies of the third-party images (PostgreSQL, the Cloud SQL proxy) under their own paths; Apply pins their tags to digests there and the pods pull from there.", SettingRules.ImageMirror, SettingDefault.Behaviour("each image's own registry (Docker Hub, gcr.io)")),
        new(MlflowReplicas, "MLflow server pods, spread across zones (1 to 10); on cloud-sql the proxy runs as many. From 2 on, a PodDisruptionBudget keeps one serving through node drains.", SettingParser.Integer(1, 10), SettingDefault.Value("2")),
        new(ClientNamespaceLabel, "Label KEY=VALUE of the namespaces whose pods may reach MLflow through the NetworkPolicy (e.g. mlflow-client=true).", SettingRules.NamespaceLabel, SettingDefault.Behaviour("only pods in NAMESPACE")),
        new(Metrics, "Expose MLflow's Prometheus metrics (--expose-prometheus) and have Google Cloud Managed Service for Prometheus scrape them through a PodMonitoring (true/false).", SettingParser.Flag, SettingDefault.Value("false")),
        new(DatabaseUser, "Cloud SQL built-in user MLflow connects as; CreateDatabase creates it when absent.", SettingRules.DatabaseUser, SettingDefault.Value("mlflow")),
        new(DatabasePassword, "Password of DB_USER (any printable characters); set when CreateDatabase creates the user; Apply puts it, percent-encoded, into the URI in the cluster Secret mlflow-backend-store.", SettingParser.Secret, IsSecret: true),
        new(GoogleRetryDelay, "First delay of Google API retries (e.g. 1s, 200ms); the longer waits scale with it.", SettingParser.Duration(TimeSpan.FromMilliseconds(1), GoogleRetryOptions.LongestFirstDelay), SettingDefault.Value("1s")),
        new(WaitTimeout, "How long Apply waits for the migration Job and WaitReady for rollouts (e.g. 600s, 10m).", SettingParser.Duration(TimeSpan.FromSeconds(1), TimeSpan.FromHours(24)), SettingDefault.Value("10m")),
        new(WaitScaleUpGrace, "How long WaitReady waits for the cluster autoscaler to react to an unschedulable pod before failing (1s to 10m).", SettingParser.Duration(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)), SettingDefault.Value("90s")),
        new(WaitRestartLimit, "Restarts after which WaitReady fails a crash-looping container, once its dependencies are ready (1 to 20).", SettingParser.Integer(1, 20), SettingDefault.Value("3")),
        new(MlflowUrl, "URL of the MLflow server for Verify (http or https).", SettingRules.HttpUrl, SettingDefault.Computed("https://MLFLOW_HOSTNAME with EXPOSE=ingress, else kubectl port-forward svc/mlflow", settings => settings.Get(Expose) is ExposeMode.Ingress && settings.Get(MlflowHostname) is string hostname ? $"https://{hostname}" : null)),
        new(MlflowTrackingUsername, "User Verify logs in as with AUTH=basic.", SettingRules.MlflowUsername, SettingDefault.Behaviour("the admin in the Secret mlflow-auth")),
        new(MlflowTrackingPassword, "Password of MLFLOW_TRACKING_USERNAME for Verify.", SettingParser.Secret, SettingDefault.Behaviour("the admin's, from the Secret mlflow-auth"), IsSecret: true),
        new(DeleteData, "Allow deleting the in-cluster PostgreSQL volume (true/false).", SettingParser.Flag, SettingDefault.Value("false")),
        new(SwitchDatabase, "Confirm that this Deploy changes which database an existing installation's MLflow serves; the other one is kept (true/false; --switch-database alone means true).", SettingParser.Flag, SettingDefault.Value("false")),
        new(NoRollback, "Keep a failed MLflow rollout for debugging instead of putting its last ready template back (true/false).", SettingParser.Flag, SettingDefault.Value("false")),
        new(SkipBackup, "Migrate the database schema without taking a backup first (Cloud SQL backup run, or pg_dump to the volume mlflow-backups); there is no way back from a migration without one (true/false; --skip-backup alone means true).", SettingParser.Flag, SettingDefault.Value("false")),
        new(RestoreDump, "Restore (in-cluster path): the dump on the volume mlflow-backups that replaces the database, as Apply named it when it took the backup.", SettingRules.DumpFile),
        new(Plan, "Read state and print every change, change nothing (true/false; --plan alone means true).", SettingParser.Flag, SettingDefault.Value("false")),
        new(LockTimeout, "How long a deploy waits for another deploy's lock on the namespace before failing with exit code 3 (e.g. 30s, 0s).", SettingParser.Duration(TimeSpan.Zero, TimeSpan.FromHours(1)), SettingDefault.Value("30s")),
        new(BreakLock, $"Take over a deploy lock whose holder stopped renewing it {(int)DeployLock.StaleAfter.TotalSeconds}s ago or more (true/false; --break-lock alone means true).", SettingParser.Flag, SettingDefault.Value("false")),
    ];

    public static SettingDefinition Get(string name) => All.Single(definition => definition.Name == name);
}
