using System.Text.Json.Nodes;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// Keeps the MLflow server's last pod template that rolled out ready, with the schema revision it ran on, in the
/// ConfigMap <see cref="ConfigMapName"/>, and puts that template back when a newer one does not become ready. The
/// cluster's own history (the previous ReplicaSet) is not used: it is gone after a path switch or a manual cleanup,
/// and the record also says which schema the old template expects.
/// </summary>
public sealed class ServerRollback(IKubectl kubectl, ChangeGate changes, ICakeLog log, RolloutWaiter waiter)
{
    public const string ConfigMapName = "mlflow-last-ready";

    /// <summary>As kubectl --output=name prints it; Prune keeps it.</summary>
    public const string ConfigMapResource = $"configmap/{ConfigMapName}";

    /// <summary>Records the live template of <paramref name="server"/> (just seen ready) when it differs from the record.</summary>
    public async Task RecordReadyAsync(Workload server, SchemaMigration? migration, CancellationToken cancellationToken = default)
    {
        var live = await kubectl.GetAsync("deployment", server.Name, cancellationToken);
        if (live == null)
        {
            return;
        }

        var record = await ReadAsync(cancellationToken);
        var ready = new LastReady(Template(live), migration?.After ?? record?.Schema, migration?.AuthAfter ?? record?.AuthSchema);
        if (ready == record)
        {
            return;
        }

        var item = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject
            {
                ["name"] = ConfigMapName,
                ["namespace"] = kubectl.Namespace,
                ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = KubectlObjects.DeployFieldManager },
            },
            ["data"] = new JsonObject { ["template"] = ready.Template, ["schema"] = ready.Schema ?? string.Empty, ["auth-schema"] = ready.AuthSchema ?? string.Empty },
        };
        await changes.MakeAsync(
            $"record the ready template of {server.Resource} (image {ready.Image}) in ConfigMap {ConfigMapName}, to roll back to",
            () => kubectl.ApplyAsync(item, KubectlObjects.DeployFieldManager, cancellationToken));
    }

    /// <summary>
    /// After <paramref name="failure"/> of <paramref name="server"/>'s rollout: puts the recorded template back and waits
    /// for it, unless there is none, it is the failing one, <paramref name="keepFailed"/>, or the schema moved on since.
    /// Always ends in an exception that says what was done and why.
    /// </summary>
    public async Task<Exception> RollBackAsync(Workload server, RolloutFailedException failure, SchemaMigration? migration, bool keepFailed, string restoreHint, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var live = await kubectl.GetAsync("deployment", server.Name, cancellationToken);
        var record = await ReadAsync(cancellationToken);
        if (live == null || record == null || record.Template == Template(live))
        {
            log.Information("No rollback: {0} has no earlier template that was ready (ConfigMap {1}).", server.Resource, ConfigMapName);
            return failure;
        }

        var failing = new LastReady(Template(live), null, null).Image;
        if (keepFailed)
        {
            return new RolloutFailedException($"{failure.Message}{Environment.NewLine}Not rolled back ({SettingNames.NoRollback}=true): {server.Resource} keeps the failed template (image {failing}); its last ready image was {record.Image}.");
        }

        if (SchemaMovedOn(migration, record) is { } moved)
        {
            return new RolloutFailedException(
                $"{failure.Message}{Environment.NewLine}Not rolled back: the migration Job {migration!.Job} moved {moved}, and the last ready image {record.Image} "
                + $"cannot run on it (migrations only go forward). Fix the new image and Deploy again, or go back to {record.Image} only after restoring the database from before the migration: {restoreHint}");
        }

        live["spec"]!["template"] = JsonNode.Parse(record.Template);
        live.Remove("status");
        await changes.MakeAsync(
            $"roll {server.Resource} back to its last ready template (image {record.Image} instead of {failing})",
            () => kubectl.RunAsync(new ProcessArgumentBuilder().Append("replace").Append("--filename=-"), live.ToJsonString(), cancellationToken: cancellationToken));
        try
        {
            await waiter.WaitAsync([server], timeout, cancellationToken);
        }
        catch (RolloutFailedException again)
        {
            return new RolloutFailedException($"{failure.Message}{Environment.NewLine}Rolled {server.Resource} back to its last ready image {record.Image}, but that did not become ready either:{Environment.NewLine}{again.Message}");
        }

        return new RolledBackException(
            $"{failure.Message}{Environment.NewLine}Rolled back: {server.Resource} runs its last ready template again (image {record.Image} instead of {failing}), because the new one did not become ready; "
            + $"the database schema did not change. Fix the cause above and Deploy again; {SettingNames.NoRollback}=true (--no-rollback) keeps a failed rollout for debugging.");
    }

    /// <summary>"the database schema from A to B" (or the auth database's) when the migration left what the last ready image ran on.</summary>
    private static string? SchemaMovedOn(SchemaMigration? migration, LastReady record) => migration switch
    {
        { After: { } schema } when record.Schema is { } readySchema && schema != readySchema => $"the database schema from {readySchema} to {schema}",
        { AuthAfter: { } authSchema } when record.AuthSchema is { } readyAuthSchema && authSchema != readyAuthSchema => $"the auth database schema (basic-auth, {Topology.AuthDatabaseName}) from {readyAuthSchema} to {authSchema}",
        _ => null,
    };

    private async Task<LastReady?> ReadAsync(CancellationToken cancellationToken) =>
        await kubectl.GetAsync("configmap", ConfigMapName, cancellationToken) is { } stored && stored["data"]?["template"]?.GetValue<string>() is { } template
            ? new LastReady(template, NonEmpty(stored, "schema"), NonEmpty(stored, "auth-schema"))
            : null;

    private static string? NonEmpty(JsonObject configMap, string key) => configMap["data"]?[key]?.GetValue<string>() is { Length: > 0 } value ? value : null;

    private static string Template(JsonObject deployment) => deployment["spec"]!["template"]!.ToJsonString();

    private sealed record LastReady(string Template, string? Schema, string? AuthSchema)
    {
        public string Image => JsonNode.Parse(Template)?["spec"]?["containers"]?[0]?["image"]?.GetValue<string>() ?? "unknown";
    }
}

/// <summary>The rollout failed and the server runs its last ready template again; the message says which and why.</summary>
public sealed class RolledBackException(string message) : Exception(message);
