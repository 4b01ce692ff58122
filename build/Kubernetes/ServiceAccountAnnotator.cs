using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>A Kubernetes service account and the Google service account its pods act as (Workload Identity).</summary>
public sealed record WorkloadIdentity(string ServiceAccount, string GoogleServiceAccountEmail)
{
    public const string Annotation = "iam.gke.io/gcp-service-account";

    /// <summary>mlflow on every path; the Cloud SQL proxy's own account on cloud-sql.</summary>
    public static IReadOnlyList<WorkloadIdentity> For(DeploySettings settings) => settings.Database == DatabasePath.CloudSql
        ? [new("mlflow", settings.MlflowServiceAccountEmail), new("mlflow-cloudsql-proxy", settings.ProxyServiceAccountEmail)]
        : [new("mlflow", settings.MlflowServiceAccountEmail)];
}

/// <summary>
/// The namespace and the service accounts exist and carry the Workload Identity annotation before any pod
/// uses them. Written by server-side apply under field manager <see cref="FieldManager"/>: the annotation is
/// then owned by this step, and Apply (field manager mlflow-gke-deploy, manifests without it) never removes it.
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

    public async Task EnsureAsync(IReadOnlyList<WorkloadIdentity> identities, CancellationToken cancellationToken = default)
    {
        await EnsureNamespaceAsync(cancellationToken);
        foreach (var identity in identities)
        {
            var live = await kubectl.GetAsync("serviceaccount", identity.ServiceAccount, cancellationToken);
            var current = live?["metadata"]?["annotations"]?[WorkloadIdentity.Annotation]?.GetValue<string>();
            if (current == identity.GoogleServiceAccountEmail)
            {
                log.Information("serviceaccount {0}/{1} already acts as {2}.", kubectl.Namespace, identity.ServiceAccount, identity.GoogleServiceAccountEmail);
                continue;
            }

            var item = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ServiceAccount",
                ["metadata"] = new JsonObject
                {
                    ["name"] = identity.ServiceAccount,
                    ["namespace"] = kubectl.Namespace,
                    ["annotations"] = new JsonObject { [WorkloadIdentity.Annotation] = identity.GoogleServiceAccountEmail },
                },
            };
            var verb = live == null ? "create" : "annotate";
            await changes.MakeAsync(
                $"{verb} serviceaccount {kubectl.Namespace}/{identity.ServiceAccount} with {WorkloadIdentity.Annotation}={identity.GoogleServiceAccountEmail}",
                () => kubectl.ApplyAsync(item, FieldManager, cancellationToken));
        }
    }
}
