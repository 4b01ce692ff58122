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
        var gke = settings.DefaultOf(SettingNames.KubeContext);
        var context = settings.KubeContext ?? throw new InvalidOperationException($"{SettingNames.KubeContext} is required here: {SettingNames.Get(SettingNames.KubeContext).RequiredHint(settings.Database)}.");
        return new ClusterTarget(context, settings.Namespace, gke);
    }
}
