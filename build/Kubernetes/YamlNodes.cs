using YamlDotNet.RepresentationModel;

namespace MlflowGke.Build.Kubernetes;

/// <summary>Lookups in parsed YAML (kubeconfig files, rendered manifests) that answer null or nothing for what is absent.</summary>
internal static class YamlNodes
{
    /// <summary>The documents of a YAML file, as mappings.</summary>
    public static IReadOnlyList<YamlMappingNode> Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return [.. stream.Documents.Select(document => document.RootNode).OfType<YamlMappingNode>()];
    }

    public static YamlMappingNode? Child(this YamlMappingNode? node, string key) =>
        node != null && node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child as YamlMappingNode : null;

    public static string? Text(this YamlMappingNode? node, string key) =>
        node != null && node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlScalarNode { Value: { Length: > 0 } value } ? value : null;

    public static IEnumerable<YamlNode> Items(this YamlMappingNode? node, string key) =>
        node != null && node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlSequenceNode sequence ? sequence.Children : [];

    /// <summary>The scalar entries of a mapping, as strings.</summary>
    public static Dictionary<string, string> Scalars(this YamlMappingNode? node) =>
        (node?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>())
            .ToDictionary(pair => pair.Key.ToString(), pair => (pair.Value as YamlScalarNode)?.Value ?? string.Empty);
}
