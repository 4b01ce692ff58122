using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Rendering;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// Applies a rendered manifest (one multi-document YAML file) to the namespace, in two parts: everything but the
/// MLflow server first (ConfigMaps, the database workload, the migration Job), then, once the migration Job has
/// completed, the server's Deployment, so that no server pod ever starts on a schema older than its image. When a new
/// migration is due under a running server, <see cref="SchemaCheck"/> stops the server first.
/// Server-side apply with field manager mlflow-gke-deploy, rather than client-side apply: the server merges by
/// each field's owner, so fields another manager set (Annotate's Workload Identity annotation, which the manifests
/// never carry, or an autoscaler's replicas) survive an Apply, there is no last-applied annotation to drift,
/// and `kubectl diff --server-side` answers "what would change" with the server's own defaulting. One diff of the whole
/// manifest comes first: when it is empty (a redeploy with nothing to change) no part is checked, diffed or applied again.
/// The manifest's objects are read from the file and the live ones from the API server, without starting kubectl.
/// </summary>
public sealed class ClusterDeployer(IKubectl kubectl, ChangeGate changes, ICakeLog log, MigrationJob migrations, SchemaCheck schemaCheck)
{
    // Kinds the manifests create and a path switch, a new image or a setting turned off may leave behind, with the label
    // every suite object carries. GKE's and Managed Prometheus's custom kinds count as none where the cluster lacks their CRD.
    private const string PrunableKinds = "deployments.apps,statefulsets.apps,jobs.batch,services,networkpolicies.networking.k8s.io,ingresses.networking.k8s.io,poddisruptionbudgets.policy,serviceaccounts,configmaps,"
        + "managedcertificates.networking.gke.io,backendconfigs.cloud.google.com,frontendconfigs.networking.gke.io,podmonitorings.monitoring.googleapis.com";
    private const string ManagedBySelector = "app.kubernetes.io/managed-by=mlflow-gke-deploy";
    private const string PostgresClaimsSelector = "app=postgres";

    // The MLflow server's Deployment carries this label (deployment/mlflow/base/deployment.yaml); objects without it match the "!=" selector.
    private const string ServerSelector = "app.kubernetes.io/component=server";
    private const string AllButServerSelector = "app.kubernetes.io/component!=server";
    private const string AllButServerAndMigrationJobSelector = "app.kubernetes.io/component!=server,app!=mlflow-migrate";

    /// <summary>
    /// Applies <paramref name="rendered"/> and waits for its migration Job; returns the schema revisions (null in a plan).
    /// When the migration is due, <paramref name="beforeMigration"/> (the backup) runs before the migration Job is created.
    /// Deletes nothing but a failed migration Job: what the render no longer holds goes in <see cref="PruneAsync"/>, once
    /// the new rollout is ready, so that an interrupted Apply never leaves a running pod without its ConfigMap.
    /// </summary>
    public async Task<SchemaMigration?> ApplyAsync(RenderedDeployment rendered, bool namespaceExists, TimeSpan migrationTimeout, IBeforeMigration beforeMigration, CancellationToken cancellationToken = default)
    {
        await migrations.DeleteIfFailedAsync(rendered.MigrationJob, cancellationToken);
        if (namespaceExists && await MatchesLiveAsync(rendered.Manifest, cancellationToken))
        {
            log.Information("No changes: the {0} objects in namespace {1} already match {2}.", ManifestObject.Read(rendered.Manifest.FullPath).Count, kubectl.Namespace, rendered.Manifest.GetFilename());
            return await migrations.WaitAsync(rendered.MigrationJob, migrationTimeout, cancellationToken);
        }

        if (namespaceExists && await schemaCheck.IsNeededAsync(rendered.MigrationJob, cancellationToken))
        {
            if (!changes.IsPlan)
            {
                // The check Job mounts the new migrate.py from its ConfigMap and reaches the database as the migration will.
                await ApplyPartAsync(rendered.Manifest, AllButServerAndMigrationJobSelector, "everything but the MLflow server and its migration Job", namespaceExists, cancellationToken);
            }

            await schemaCheck.StopServerIfMigrationDueAsync(rendered.Manifest, rendered.MigrationJob, migrationTimeout, beforeMigration, cancellationToken);
        }

        await ApplyPartAsync(rendered.Manifest, AllButServerSelector, "everything but the MLflow server", namespaceExists, cancellationToken);
        var migration = await migrations.WaitAsync(rendered.MigrationJob, migrationTimeout, cancellationToken);
        await ApplyPartAsync(rendered.Manifest, ServerSelector, "the MLflow server", namespaceExists, cancellationToken);
        return migration;
    }

    /// <summary>Deletes the suite's objects that <paramref name="rendered"/> does not hold (the other path's, earlier ConfigMaps and migration Jobs), but the rollback record.</summary>
    public async Task PruneAsync(RenderedDeployment rendered, DatabasePath database, bool deleteData, CancellationToken cancellationToken = default) =>
        await RemoveAsync([.. Names(rendered.Manifest, null), ServerRollback.ConfigMapResource], $"not part of this {database.ToSettingValue()} render", deleteData, cancellationToken);

    private static List<string> Names(FilePath manifest, string? selector) =>
        [.. ManifestObject.Read(manifest.FullPath).Where(item => item.Matches(selector)).Select(item => item.Name)];

    /// <summary>Whether the server-side diff of the whole manifest is empty.</summary>
    private async Task<bool> MatchesLiveAsync(FilePath manifest, CancellationToken cancellationToken) =>
        (await kubectl.RunAsync(ServerSide(Manifest("diff", manifest)), acceptedExitCodes: [1], cancellationToken: cancellationToken)).ExitCode == 0;

    private async Task ApplyPartAsync(FilePath manifest, string selector, string part, bool namespaceExists, CancellationToken cancellationToken)
    {
        var names = Names(manifest, selector);
        var apply = $"apply {part} from {manifest.GetFilename()} ({names.Count} objects, server-side, field manager {KubectlObjects.DeployFieldManager})";
        if (!namespaceExists)
        {
            // A server dry run cannot place objects in a namespace that does not exist yet.
            await changes.MakeAsync($"{apply}: {string.Join(", ", names)}", () => ApplyManifestAsync(manifest, selector, cancellationToken));
            return;
        }

        var diff = await kubectl.RunAsync(Selected(ServerSide(Manifest("diff", manifest)), selector), acceptedExitCodes: [1], cancellationToken: cancellationToken);
        if (diff.ExitCode == 0)
        {
            log.Information("No changes: {0} ({1} objects in namespace {2}) already match {3}.", part, names.Count, kubectl.Namespace, manifest.GetFilename());
            return;
        }

        log.Information("Changes to {0} against the live objects (kubectl diff --server-side):{1}{2}", part, Environment.NewLine, diff.Output);
        await changes.MakeAsync(apply, () => ApplyManifestAsync(manifest, selector, cancellationToken));
    }

    private static ProcessArgumentBuilder Selected(ProcessArgumentBuilder arguments, string? selector) =>
        selector == null ? arguments : arguments.AppendSwitchQuoted("--selector", "=", selector);

    private static ProcessArgumentBuilder Manifest(string verb, FilePath manifest) =>
        new ProcessArgumentBuilder().Append(verb).AppendSwitchQuoted("--filename", "=", manifest.FullPath);

    private static ProcessArgumentBuilder ServerSide(ProcessArgumentBuilder arguments) =>
        arguments.Append("--server-side").Append("--force-conflicts").AppendSwitchQuoted("--field-manager", "=", KubectlObjects.DeployFieldManager);

    private Task ApplyManifestAsync(FilePath manifest, string selector, CancellationToken cancellationToken) =>
        kubectl.RunAsync(Selected(ServerSide(Manifest("apply", manifest)), selector), cancellationToken: cancellationToken);

    /// <summary>
    /// Deletes the suite's objects that are not in <paramref name="wanted"/> (the other path's workloads, ConfigMaps and
    /// migration Jobs of earlier renders; everything on Teardown). The PostgreSQL volume and the database Secret stay unless --delete-data.
    /// </summary>
    public async Task RemoveAsync(IReadOnlyList<string> wanted, string reason, bool deleteData, CancellationToken cancellationToken = default)
    {
        var live = await LiveNamesAsync(PrunableKinds, ManagedBySelector, cancellationToken);
        foreach (var stale in live.Except(wanted, StringComparer.Ordinal))
        {
            await changes.MakeAsync($"delete {stale} ({reason})", () => DeleteAsync(stale, cancellationToken));
        }

        if (wanted.Contains("statefulset.apps/postgres"))
        {
            return;
        }

        var claims = await LiveNamesAsync("persistentvolumeclaims", PostgresClaimsSelector, cancellationToken);
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

    private async Task<IEnumerable<string>> LiveNamesAsync(string resources, string selector, CancellationToken cancellationToken) =>
        (await kubectl.ListAsync(resources, selector, cancellationToken))
            .Select(item => ManifestObject.NameOf(item["apiVersion"]!.GetValue<string>(), item["kind"]!.GetValue<string>(), item["metadata"]!["name"]!.GetValue<string>()));

    private Task DeleteAsync(string name, CancellationToken cancellationToken) =>
        // Background propagation: a Job's pods go with it (deleting a Job through the API without a policy orphans them).
        kubectl.RunAsync(new ProcessArgumentBuilder().Append("delete").Append(name).Append("--cascade=background").Append("--ignore-not-found").Append("--wait=false"), cancellationToken: cancellationToken);
}
