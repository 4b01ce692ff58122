using Cake.Core;
using System.Text.Json.Nodes;
using Cake.Core.IO;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// Refuses to touch a cluster that is not the one the settings name: the context must exist in the kubeconfig
/// and, when the GKE cluster is known, be that cluster (by context name or by its cluster entry's name).
/// Reads the kubeconfig only (`kubectl config view`), so a refusal writes nothing anywhere.
/// </summary>
public sealed class ContextGuard(IKubectl kubectl)
{
    public async Task VerifyAsync(ClusterTarget target, CancellationToken cancellationToken = default)
    {
        var result = await kubectl.RunAsync(new ProcessArgumentBuilder().Append("config").Append("view").Append("--output=json"), cancellationToken: cancellationToken);
        var config = JsonNode.Parse(result.Output)!.AsObject();
        var current = config["current-context"]?.GetValue<string>() is { Length: > 0 } name ? name : "(none)";
        var contexts = config["contexts"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
        var context = contexts.FirstOrDefault(entry => entry["name"]?.GetValue<string>() == target.Context);
        var expected = target.GkeCluster ?? target.Context;
        if (context == null)
        {
            var known = string.Join(", ", contexts.Select(entry => entry["name"]?.GetValue<string>()));
            throw new InvalidOperationException(
                $"Kube context '{target.Context}' is not in the kubeconfig (current context: '{current}'; expected context: '{expected}'; known: {known}). "
                + "Nothing was changed. Fetch it with `gcloud container clusters get-credentials CLUSTER_NAME --region REGION --project PROJECT_ID`, or set KUBE_CONTEXT.");
        }

        var cluster = context["context"]?["cluster"]?.GetValue<string>();
        if (target.GkeCluster != null && target.Context != target.GkeCluster && cluster != target.GkeCluster)
        {
            throw new InvalidOperationException(
                $"Kube context '{target.Context}' (cluster '{cluster}') is not the GKE cluster that PROJECT_ID, REGION and CLUSTER_NAME name: expected context '{target.GkeCluster}'. "
                + $"Current context: '{current}'. Nothing was changed. Set KUBE_CONTEXT={target.GkeCluster} (or unset it), or correct PROJECT_ID, REGION and CLUSTER_NAME.");
        }
    }
}
