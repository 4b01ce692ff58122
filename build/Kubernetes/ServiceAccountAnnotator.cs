using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;
using MlflowGke.Build.Changes;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The namespace and the service accounts exist and carry the Workload Identity annotation before any pod
/// uses them. Written by server-side apply under field manager <see cref="FieldManager"/>: this step is the one writer
/// of <see cref="Topology.WorkloadIdentityAnnotation"/>; the manifests Apply applies never carry it, so Apply neither
/// sets nor removes it.
/// </summary>
public sealed class ServiceAccountAnnotator(IKubectl kubectl, ChangeGate changes, ICakeLog log)
{
    public const string FieldManager = "mlflow-gke-annotate";

    /// <summary>Creates the namespace when missing; returns whether it exists now (false in plan mode when it would be created).</summary>
    public async Task<bool> EnsureNamespaceAsync(CancellationToken cancellationToken = default)
    {
        if (await kubectl.GetAsync("namespace", kubectl.Namespace, cancellationToken) != null)
        {
            return true;
        }

        var item = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = kubectl.Namespace } };
        await changes.MakeAsync($"create namespace {kubectl.Namespace}", () => kubectl.ApplyAsync(item, FieldManager, cancellationToken));
        return !changes.IsPlan;
    }

    public async Task EnsureAsync(IReadOnlyList<ServiceAccountPair> pairs, CancellationToken cancellationToken = default)
    {
        await EnsureNamespaceAsync(cancellationToken);
        foreach (var pair in pairs)
        {
            var serviceAccount = pair.KubernetesServiceAccount;
            var email = pair.Google.Email;
            var live = await kubectl.GetAsync("serviceaccount", serviceAccount, cancellationToken);
            var current = live?["metadata"]?["annotations"]?[Topology.WorkloadIdentityAnnotation]?.GetValue<string>();
            if (current == email)
            {
                log.Information("serviceaccount {0}/{1} already acts as {2}.", kubectl.Namespace, serviceAccount, email);
                continue;
            }

            var item = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ServiceAccount",
                ["metadata"] = new JsonObject
                {
                    ["name"] = serviceAccount,
                    ["namespace"] = kubectl.Namespace,
                    ["annotations"] = new JsonObject { [Topology.WorkloadIdentityAnnotation] = email },
                },
            };
            var verb = live == null ? "create" : "annotate";
            await changes.MakeAsync(
                $"{verb} serviceaccount {kubectl.Namespace}/{serviceAccount} with {Topology.WorkloadIdentityAnnotation}={email}",
                () => kubectl.ApplyAsync(item, FieldManager, cancellationToken));
        }
    }
}
