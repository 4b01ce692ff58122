using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// Where the Kubernetes steps work: the kube context and namespace, and, when PROJECT_ID, REGION and CLUSTER_NAME
/// are all set, the GKE cluster that context must be (gcloud names its context gke_PROJECT_REGION_CLUSTER).
/// </summary>
public sealed record ClusterTarget(string Context, string Namespace, string? GkeCluster)
{
    public static ClusterTarget From(DeploySettings settings)
    {
        bool IsSet(string name) => settings.Resolved.Any(setting => setting.Definition.Name == name && !string.IsNullOrWhiteSpace(setting.Value));
        var gke = IsSet(SettingNames.ProjectId) && IsSet(SettingNames.Region) && IsSet(SettingNames.ClusterName)
            ? $"gke_{settings.ProjectId}_{settings.Region}_{settings.ClusterName}"
            : null;
        var context = settings.KubeContext ?? throw new InvalidOperationException($"{SettingNames.KubeContext} is required here; set it or PROJECT_ID, REGION and CLUSTER_NAME.");
        return new ClusterTarget(context, settings.Namespace, gke);
    }
}
