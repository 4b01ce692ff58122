using Cake.Core;
using System.Text.Json.Nodes;
using Cake.Core.IO;

namespace MlflowGke.Build.Kubernetes;

/// <summary>Writes of whole objects as JSON, on top of <see cref="IKubectl"/>.</summary>
public static class KubectlObjects
{
    /// <summary>Field manager of the objects the suite applies itself; Annotate uses its own so Apply never takes its fields.</summary>
    public const string DeployFieldManager = "mlflow-gke-deploy";

    /// <summary>Server-side apply of one object, sent on standard input.</summary>
    public static Task ApplyAsync(this IKubectl kubectl, JsonObject item, string fieldManager, CancellationToken cancellationToken) =>
        kubectl.RunAsync(
            new ProcessArgumentBuilder().Append("apply").Append("--server-side").AppendSwitchQuoted("--field-manager", "=", fieldManager).Append("--filename=-"),
            item.ToJsonString(),
            cancellationToken: cancellationToken);
}
