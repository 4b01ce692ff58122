namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// Refuses to touch a cluster that is not the one the settings name: the context must exist in the kubeconfig
/// and, when the GKE cluster is known, be that cluster (by context name or by its cluster entry's name).
/// Reads the kubeconfig only, in-process, so a refusal writes nothing anywhere.
/// </summary>
public sealed class ContextGuard(Kubeconfig kubeconfig)
{
    public void Verify(ClusterTarget target)
    {
        var current = kubeconfig.CurrentContext ?? "(none)";
        var expected = target.GkeCluster ?? target.Context;
        if (!kubeconfig.Contexts.Contains(target.Context))
        {
            throw new InvalidOperationException(
                $"Kube context '{target.Context}' is not in the kubeconfig (current context: '{current}'; expected context: '{expected}'; known: {string.Join(", ", kubeconfig.Contexts)}). "
                + "Nothing was changed. Fetch it with `gcloud container clusters get-credentials CLUSTER_NAME --region REGION --project PROJECT_ID`, or set KUBE_CONTEXT.");
        }

        var cluster = kubeconfig.ClusterOf(target.Context);
        if (target.GkeCluster != null && target.Context != target.GkeCluster && cluster != target.GkeCluster)
        {
            throw new InvalidOperationException(
                $"Kube context '{target.Context}' (cluster '{cluster}') is not the GKE cluster that PROJECT_ID, REGION and CLUSTER_NAME name: expected context '{target.GkeCluster}'. "
                + $"Current context: '{current}'. Nothing was changed. Set KUBE_CONTEXT={target.GkeCluster} (or unset it), or correct PROJECT_ID, REGION and CLUSTER_NAME.");
        }
    }
}
