using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// Applies a rendered manifest (one multi-document YAML file) to the namespace.
/// Server-side apply with field manager mlflow-gke-deploy, rather than client-side apply: the server merges by
/// each field's owner, so fields another manager set (Annotate's Workload Identity annotation, which the manifests
/// never carry, or an autoscaler's replicas) survive an Apply, there is no last-applied annotation to drift,
/// and `kubectl diff --server-side` answers "what would change" with the server's own defaulting.
/// </summary>
public sealed class ClusterDeployer(IKubectl kubectl, ServiceAccountAnnotator annotator, DatabaseCredentials credentials, ChangeGate changes, ICakeLog log)
{
    // Kinds the manifests create and a path switch may leave behind, with the label every suite object carries.
    private const string PrunableKinds = "deployments.apps,statefulsets.apps,services,networkpolicies.networking.k8s.io,serviceaccounts,configmaps";
    private const string ManagedBySelector = "app.kubernetes.io/managed-by=mlflow-gke-deploy";
    private const string PostgresClaimsSelector = "app=postgres";

    public async Task ApplyAsync(FilePath manifest, DatabasePath database, DatabaseLogin login, bool deleteData, CancellationToken cancellationToken = default)
    {
        var namespaceExists = await annotator.EnsureNamespaceAsync(cancellationToken);
        await credentials.EnsureAsync(login, cancellationToken);
        var wanted = await kubectl.NamesAsync(Manifest("create", manifest).Append("--dry-run=client"), cancellationToken);
        await RemoveAsync(wanted, $"not part of the {database.ToSettingValue()} path", deleteData, cancellationToken);

        var apply = $"apply {manifest.GetFilename()} ({wanted.Count} objects, server-side, field manager {KubectlObjects.DeployFieldManager})";
        if (!namespaceExists)
        {
            // A server dry run cannot place objects in a namespace that does not exist yet.
            await changes.MakeAsync($"{apply}: {string.Join(", ", wanted)}", () => ApplyManifestAsync(manifest, cancellationToken));
            return;
        }

        var diff = await kubectl.RunAsync(ServerSide(Manifest("diff", manifest)), acceptedExitCodes: [1], cancellationToken: cancellationToken);
        if (diff.ExitCode == 0)
        {
            log.Information("No changes: the {0} objects in namespace {1} already match {2}.", wanted.Count, kubectl.Namespace, manifest.GetFilename());
            return;
        }

        log.Information("Changes against the live objects (kubectl diff --server-side):{0}{1}", Environment.NewLine, diff.Output);
        await changes.MakeAsync(apply, () => ApplyManifestAsync(manifest, cancellationToken));
    }

    private static ProcessArgumentBuilder Manifest(string verb, FilePath manifest) =>
        new ProcessArgumentBuilder().Append(verb).AppendSwitchQuoted("--filename", "=", manifest.FullPath);

    private static ProcessArgumentBuilder ServerSide(ProcessArgumentBuilder arguments) =>
        arguments.Append("--server-side").Append("--force-conflicts").AppendSwitchQuoted("--field-manager", "=", KubectlObjects.DeployFieldManager);

    private Task ApplyManifestAsync(FilePath manifest, CancellationToken cancellationToken) =>
        kubectl.RunAsync(ServerSide(Manifest("apply", manifest)), cancellationToken: cancellationToken);

    /// <summary>
    /// Deletes the suite's objects that are not in <paramref name="wanted"/> (the other path's workloads, ConfigMaps of
    /// earlier renders; everything on Teardown). The PostgreSQL volume and the database Secret stay unless --delete-data.
    /// </summary>
    public async Task RemoveAsync(IReadOnlyList<string> wanted, string reason, bool deleteData, CancellationToken cancellationToken = default)
    {
        var live = await kubectl.NamesAsync(new ProcessArgumentBuilder().Append("get").Append(PrunableKinds).AppendSwitchQuoted("--selector", "=", ManagedBySelector), cancellationToken);
        foreach (var stale in live.Except(wanted, StringComparer.Ordinal))
        {
            await changes.MakeAsync($"delete {stale} ({reason})", () => DeleteAsync(stale, cancellationToken));
        }

        if (wanted.Contains("statefulset.apps/postgres"))
        {
            return;
        }

        var claims = await kubectl.NamesAsync(new ProcessArgumentBuilder().Append("get").Append("persistentvolumeclaims").AppendSwitchQuoted("--selector", "=", PostgresClaimsSelector), cancellationToken);
        foreach (var claim in claims)
        {
            if (deleteData)
            {
                await changes.MakeAsync($"delete {claim} and the in-cluster PostgreSQL data on it ({SettingNames.DeleteData}=true)", () => DeleteAsync(claim, cancellationToken));
            }
            else
            {
                log.Information("Keeping {0}: it holds the in-cluster PostgreSQL data. Set {1}=true (--delete-data) to delete it.", claim, SettingNames.DeleteData);
            }
        }
    }

    private Task DeleteAsync(string name, CancellationToken cancellationToken) =>
        kubectl.RunAsync(new ProcessArgumentBuilder().Append("delete").Append(name).Append("--ignore-not-found").Append("--wait=false"), cancellationToken: cancellationToken);
}
