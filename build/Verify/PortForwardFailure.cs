namespace MlflowGke.Build.Verify;

/// <summary>Explains why kubectl port-forward did not start, from what kubectl wrote to stderr.</summary>
public static class PortForwardFailure
{
    public static string Explain(KubectlPortForwardSettings settings, int? exitCode, IReadOnlyList<string> stderr)
    {
        var said = string.Join(" ", stderr.Take(5));
        bool Says(params string[] words) => words.Any(word => said.Contains(word, StringComparison.OrdinalIgnoreCase));
        var cause = said switch
        {
            _ when Says("context") && Says("does not exist", "not found") =>
                $"the kube context '{settings.Context}' is not in the kubeconfig. Run: gcloud container clusters get-credentials CLUSTER --region REGION --project PROJECT, or set KUBE_CONTEXT (or MLFLOW_URL to skip the port-forward).",
            _ when Says("NotFound") && Says("service", "services") =>
                $"there is no {settings.Resource} in namespace {settings.Namespace}. Deploy first (--target=Deploy, or --target=Apply), or set NAMESPACE to where MLflow runs.",
            _ when Says("pod is not running", "timed out waiting", "no pods") =>
                $"no mlflow pod is running in namespace {settings.Namespace}. Run --target=WaitReady and see kubectl get pods --namespace {settings.Namespace}.",
            _ when Says("forbidden") =>
                $"your Kubernetes account may not port-forward in namespace {settings.Namespace} (it needs create on pods/portforward), or set MLFLOW_URL.",
            _ when Says("Unable to connect to the server", "connection refused", "was refused", "dial tcp", "i/o timeout", "no such host") =>
                $"kubectl cannot reach the cluster of context '{settings.Context}'. Check the network and the credentials (gcloud container clusters get-credentials), or set MLFLOW_URL.",
            _ => "see kubectl's message below.",
        };
        var exit = exitCode is { } code ? $"exited with code {code}" : "is still waiting";
        return $"kubectl port-forward {settings.Resource} --namespace {settings.Namespace} {exit}: {cause}" + (said.Length > 0 ? $"{Environment.NewLine}  kubectl said: {said}" : string.Empty);
    }
}
