namespace MlflowGke.Build.Settings;

/// <summary>Every setting the suite reads, in the order the settings table prints them.</summary>
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
    public const string MlflowServiceAccountId = "MLFLOW_SERVICE_ACCOUNT_ID";
    public const string ResourceSuffix = "RESOURCE_SUFFIX";
    public const string ArtifactRegistryRepository = "ARTIFACT_REGISTRY_REPOSITORY";
    public const string ImageRepository = "IMAGE_REPOSITORY";
    public const string ImageTag = "IMAGE_TAG";
    public const string ImageContext = "IMAGE_CONTEXT";
    public const string Dockerfile = "DOCKERFILE";
    public const string DatabaseUser = "DB_USER";
    public const string DatabasePassword = "DB_PASSWORD";
    public const string GoogleRetryDelay = "GOOGLE_RETRY_DELAY";
    public const string WaitTimeout = "WAIT_TIMEOUT";
    public const string MlflowUrl = "MLFLOW_URL";
    public const string DeleteData = "DELETE_DATA";
    public const string Plan = "PLAN";

    public static IReadOnlyList<SettingDefinition> All { get; } =
    [
        new(ProjectId, "Google Cloud project ID."),
        new(Region, "Region of the cluster, the Artifact Registry and the Cloud SQL instance."),
        new(ClusterName, "GKE cluster name."),
        new(KubeContext, "kubeconfig context to deploy to.", "gke_PROJECT_ID_REGION_CLUSTER_NAME"),
        new(Namespace, "Kubernetes namespace.", "mlflow"),
        new(Database, "Database path: in-cluster or cloud-sql.", "cloud-sql when CLOUDSQL_INSTANCE_NAME is set, else in-cluster"),
        new(BucketNameMlflow, "GCS bucket for artifacts (name or gs://name)."),
        new(CloudSqlInstanceName, "Cloud SQL instance: PROJECT:REGION:INSTANCE, or INSTANCE (expanded with PROJECT_ID and REGION)."),
        new(CloudSqlEngine, "Cloud SQL engine: postgres or mysql.", "postgres"),
        new(CloudSqlPrivateIp, "Connect the Cloud SQL proxy over private IP (true/false).", "false"),
        new(MlflowServiceAccountId, "Account ID of MLflow's Google service account (the part before @)."),
        new(ResourceSuffix, "Suffix of the Cloud SQL proxy's Google service account, mlflow-csql-proxy-SUFFIX."),
        new(ArtifactRegistryRepository, "Artifact Registry repository of the default image repository.", "mlflow"),
        new(ImageRepository, "Image repository.", "REGION-docker.pkg.dev/PROJECT_ID/ARTIFACT_REGISTRY_REPOSITORY/mlflow"),
        new(ImageTag, "Image tag.", "a digest of the image's build inputs"),
        new(ImageContext, "Docker build context of the MLflow image.", "deployment/mlflow-image"),
        new(Dockerfile, "Dockerfile of the MLflow image.", "IMAGE_CONTEXT/Dockerfile"),
        new(DatabaseUser, "Cloud SQL built-in user MLflow connects as; CreateDatabase creates it when absent.", "mlflow"),
        new(DatabasePassword, "Password of DB_USER; set when CreateDatabase creates the user, and put into the cluster Secret.", IsSecret: true),
        new(GoogleRetryDelay, "First delay of Google API retries (e.g. 1s, 200ms); the longer waits scale with it.", "1s"),
        new(WaitTimeout, "How long WaitReady waits for rollouts (e.g. 600s, 10m).", "10m"),
        new(MlflowUrl, "URL of the MLflow server for Verify, when it is exposed (http or https).", "kubectl port-forward svc/mlflow"),
        new(DeleteData, "Allow deleting the in-cluster PostgreSQL volume (true/false).", "false"),
        new(Plan, "Read state and print every change, change nothing (true/false; --plan alone means true).", "false"),
    ];

    public static SettingDefinition Get(string name) => All.Single(definition => definition.Name == name);
}
