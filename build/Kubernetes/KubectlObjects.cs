using Cake.Core;
using System.Text.Json.Nodes;
using Cake.Core.IO;

namespace MlflowGke.Build.Kubernetes;

/// <summary>Reads and writes of whole objects as JSON, on top of <see cref="IKubectl"/>.</summary>
public static class KubectlObjects
{
    /// <summary>Field manager of the objects the suite applies itself; Annotate uses its own so Apply never takes its fields.</summary>
    public const string DeployFieldManager = "mlflow-gke-deploy";

    /// <summary>The object, or null when it does not exist.</summary>
    public static async Task<JsonObject?> GetAsync(this IKubectl kubectl, string resource, string name, CancellationToken cancellationToken)
    {
        var result = await kubectl.RunAsync(new ProcessArgumentBuilder().Append("get").Append(resource).Append(name).Append("--ignore-not-found").Append("--output=json"), cancellationToken: cancellationToken);
        return string.IsNullOrWhiteSpace(result.Output) ? null : JsonNode.Parse(result.Output)!.AsObject();
    }

    /// <summary>Items of one or more resource types (comma-separated) in the namespace that match the label selector.</summary>
    public static async Task<IReadOnlyList<JsonObject>> ListAsync(this IKubectl kubectl, string resources, string? labelSelector, CancellationToken cancellationToken, string? fieldSelector = null)
    {
        var arguments = new ProcessArgumentBuilder().Append("get").Append(resources).Append("--output=json");
        if (labelSelector != null)
        {
            arguments.AppendSwitchQuoted("--selector", "=", labelSelector);
        }

        if (fieldSelector != null)
        {
            arguments.AppendSwitchQuoted("--field-selector", "=", fieldSelector);
        }

        var result = await kubectl.RunAsync(arguments, cancellationToken: cancellationToken);
        return JsonNode.Parse(result.Output)!["items"]!.AsArray().OfType<JsonObject>().ToList();
    }

    /// <summary>Names as kubectl prints them with --output=name: "deployment.apps/mlflow".</summary>
    public static async Task<IReadOnlyList<string>> NamesAsync(this IKubectl kubectl, ProcessArgumentBuilder arguments, CancellationToken cancellationToken)
    {
        var result = await kubectl.RunAsync(arguments.Append("--output=name"), cancellationToken: cancellationToken);
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Server-side apply of one object, sent on standard input.</summary>
    public static Task ApplyAsync(this IKubectl kubectl, JsonObject item, string fieldManager, CancellationToken cancellationToken) =>
        kubectl.RunAsync(
            new ProcessArgumentBuilder().Append("apply").Append("--server-side").AppendSwitchQuoted("--field-manager", "=", fieldManager).Append("--filename=-"),
            item.ToJsonString(),
            cancellationToken: cancellationToken);
}
