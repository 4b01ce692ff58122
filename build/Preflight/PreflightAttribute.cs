using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Preflight;

/// <summary>What a task reaches that can be checked, without changing anything, before the first task starts.</summary>
public enum PreflightCheck
{
    /// <summary>The kube context is the cluster the settings name (<see cref="Kubernetes.ContextGuard"/>).</summary>
    KubeContext,

    /// <summary>The database MLflow serves now is the one this run deploys, or --switch-database confirms the change (<see cref="Kubernetes.DatabaseSwitchGuard"/>).</summary>
    DatabaseSwitch,

    /// <summary>Google credentials give an access token (<see cref="Google.GoogleAccessToken"/>).</summary>
    GoogleCredentials,

    /// <summary>The image registry answers, and what it has for the image's content tag is read once for the image steps' criteria.</summary>
    ImageRegistry,

    /// <summary>The images the manifests name by tag (PostgreSQL, the Cloud SQL proxy) are in their registry; pinned once, for Apply (<see cref="Image.ImagePinner"/>).</summary>
    ThirdPartyImages,
}

/// <summary>Marks a task whose access <see cref="DeployPreflight"/> checks when the task is about to run; with <see cref="OnlyOn"/>, on that database path only.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PreflightAttribute(PreflightCheck check) : Attribute
{
    public PreflightCheck Check { get; } = check;

    public DatabasePath[] OnlyOn { get; init; } = [DatabasePath.InCluster, DatabasePath.CloudSql];
}
