using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cake.Core;
using Cake.Core.IO;
using MlflowGke.Build.Status;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// Status's read of the cluster: each object of the rendered manifest against its live copy (read in one `kubectl get
/// --filename`): present, and for the workloads the container images (pinned digests), replicas and the ConfigMaps
/// their pods read (whose names carry the config hash); the migration Job's state; the Workload Identity annotations.
/// </summary>
public sealed class LiveDrift(IKubectl kubectl)
{
    private static readonly string[] Workloads = ["Deployment", "StatefulSet"];

    public async Task<IReadOnlyList<StatusRow>> CompareAsync(FilePath manifest, IReadOnlyList<ServiceAccountPair> accounts, CancellationToken cancellationToken)
    {
        var wanted = Items((await kubectl.RunAsync(new ProcessArgumentBuilder().Append("create").AppendSwitchQuoted("--filename", "=", manifest.FullPath).Append("--dry-run=client").Append("--output=json"), cancellationToken: cancellationToken)).Output);
        var live = Items((await kubectl.RunAsync(new ProcessArgumentBuilder().Append("get").AppendSwitchQuoted("--filename", "=", manifest.FullPath).Append("--ignore-not-found").Append("--output=json"), cancellationToken: cancellationToken)).Output)
            .ToDictionary(Key, StringComparer.Ordinal);
        var rows = new List<StatusRow>();
        foreach (var item in wanted)
        {
            var key = Key(item);
            live.TryGetValue(key, out var current);
            if (Workloads.Contains(Text(item, "kind")))
            {
                rows.AddRange(CompareWorkload(key, item, current));
            }
            else if (Text(item, "kind") == "Job")
            {
                rows.Add(new StatusRow(key, "complete", current == null ? "missing" : JobState(current), current != null && JobState(current) == "complete" ? StatusKind.InSync : StatusKind.Drifted));
            }
            else
            {
                rows.Add(StatusRow.Present(key, "present", current != null));
            }
        }

        foreach (var pair in accounts)
        {
            var account = live.GetValueOrDefault($"serviceaccount/{pair.KubernetesServiceAccount}");
            rows.Add(StatusRow.Compare($"serviceaccount/{pair.KubernetesServiceAccount} {Topology.WorkloadIdentityAnnotation}", pair.Google.Email, account?["metadata"]?["annotations"]?[Topology.WorkloadIdentityAnnotation]?.GetValue<string>()));
        }

        return rows;
    }

    private static IEnumerable<StatusRow> CompareWorkload(string key, JsonObject wanted, JsonObject? live)
    {
        if (live == null)
        {
            yield return StatusRow.Present(key, "present", false);
            yield break;
        }

        foreach (var container in Containers(wanted))
        {
            var name = Text(container, "name");
            var liveImage = Containers(live).FirstOrDefault(candidate => Text(candidate, "name") == name)?["image"]?.GetValue<string>();
            yield return StatusRow.Compare($"{key} image ({name})", Text(container, "image") ?? string.Empty, liveImage);
        }

        if (wanted["spec"]?["replicas"]?.GetValue<int>() is { } replicas)
        {
            yield return StatusRow.Compare($"{key} replicas", replicas.ToString(System.Globalization.CultureInfo.InvariantCulture), live["spec"]?["replicas"]?.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var config = ConfigMaps(wanted);
        if (config.Length > 0)
        {
            yield return StatusRow.Compare($"{key} config", config, ConfigMaps(live));
        }
    }

    /// <summary>The ConfigMaps a pod template reads, sorted: generated names end in the hash of their content.</summary>
    private static string ConfigMaps(JsonObject workload)
    {
        var spec = workload["spec"]?["template"]?["spec"];
        var containers = (spec?["containers"]?.AsArray() ?? []).Concat(spec?["initContainers"]?.AsArray() ?? []).OfType<JsonObject>().ToList();
        var names = (spec?["volumes"]?.AsArray() ?? []).Select(volume => volume?["configMap"]?["name"])
            .Concat(containers.SelectMany(container => container["envFrom"]?.AsArray() ?? []).Select(source => source?["configMapRef"]?["name"]))
            .Concat(containers.SelectMany(container => container["env"]?.AsArray() ?? []).Select(variable => variable?["valueFrom"]?["configMapKeyRef"]?["name"]))
            .OfType<JsonNode>()
            .Select(name => name.GetValue<string>())
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        return string.Join(", ", names);
    }

    private static IEnumerable<JsonObject> Containers(JsonObject workload) =>
        workload["spec"]?["template"]?["spec"]?["containers"]?.AsArray().OfType<JsonObject>() ?? [];

    private static string JobState(JsonObject job) =>
        job["status"]?["conditions"]?.AsArray().OfType<JsonObject>()
            .Where(condition => condition["status"]?.GetValue<string>() == "True")
            .Select(condition => condition["type"]?.GetValue<string>())
            .FirstOrDefault(type => type is "Complete" or "Failed") switch
        {
            "Complete" => "complete",
            "Failed" => "failed",
            _ => "running",
        };

    /// <summary>"deployment/mlflow", as a user types it.</summary>
    private static string Key(JsonObject item) => $"{Text(item, "kind")!.ToLowerInvariant()}/{item["metadata"]?["name"]?.GetValue<string>()}";

    private static string? Text(JsonObject item, string key) => item[key]?.GetValue<string>();

    /// <summary>kubectl prints a List (get) or one object after another (create --dry-run), the object alone for one, nothing for none.</summary>
    private static IReadOnlyList<JsonObject> Items(string output)
    {
        var items = new List<JsonObject>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(output), new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            var json = JsonNode.Parse(ref reader)!.AsObject();
            items.AddRange(json["kind"]?.GetValue<string>() == "List" ? json["items"]!.AsArray().OfType<JsonObject>() : [json]);
        }

        return items;
    }
}
