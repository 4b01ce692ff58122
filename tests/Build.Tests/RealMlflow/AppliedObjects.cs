using System.Text;
using System.Text.Json.Nodes;
using MlflowGke.Build.Tests.Fakes.Kubernetes;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>The objects as stored by the API server after Apply: what a kubelet would read to start pods.</summary>
public sealed class AppliedObjects(IReadOnlyList<JsonObject> items)
{
    public static AppliedObjects From(FakeKubeApiServer server) =>
        new(server.Catalog.Types.SelectMany(type => server.Store.List(type, null)).Select(item => item.DeepClone().AsObject()).ToList());

    public IReadOnlyList<JsonObject> Items { get; } = items;

    public IReadOnlyList<JsonObject> All(string kind, string ns) => Items
        .Where(item => Text(item, "kind") == kind && item["metadata"]?["namespace"]?.GetValue<string>() == ns)
        .ToList();

    public JsonObject? Find(string kind, string ns, string name) =>
        All(kind, ns).FirstOrDefault(item => item["metadata"]?["name"]?.GetValue<string>() == name);

    public JsonObject Get(string kind, string ns, string name) =>
        Find(kind, ns, name) ?? throw new InvalidOperationException($"Apply left no {kind} {ns}/{name}; it has: {string.Join(", ", Items.Select(Describe))}");

    /// <summary>A ConfigMap's or Secret's keys and values (a Secret's base64 data decoded, as the kubelet does).</summary>
    public IReadOnlyDictionary<string, string>? Data(string kind, string ns, string name)
    {
        var item = Find(kind, ns, name);
        var data = item?["data"]?.AsObject();
        if (item == null)
        {
            return null;
        }

        return (data ?? []).ToDictionary(
            entry => entry.Key,
            entry => kind == "Secret" ? Encoding.UTF8.GetString(Convert.FromBase64String(entry.Value!.GetValue<string>())) : entry.Value!.GetValue<string>());
    }

    private static string? Text(JsonObject item, string key) => item[key]?.GetValue<string>();

    private static string Describe(JsonObject item) => $"{Text(item, "kind")} {item["metadata"]?["namespace"]}/{item["metadata"]?["name"]}";
}
