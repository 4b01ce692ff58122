using YamlDotNet.RepresentationModel;

namespace MlflowGke.Build.Kubernetes;

/// <summary>An object of a rendered manifest: its name as kubectl prints it with --output=name, and its labels.</summary>
public sealed record ManifestObject(string Name, IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>Whether the labels match a label selector of equality terms: "a=b", "a==b", "a!=b", "a", "!a", joined by commas.</summary>
    public bool Matches(string? selector) => selector == null || selector.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).All(Matches1);

    /// <summary>kubectl's name of an object: the kind in lower case, then the API group when there is one ("deployment.apps/mlflow", "service/mlflow").</summary>
    public static string NameOf(string apiVersion, string kind, string name) =>
        apiVersion.Contains('/', StringComparison.Ordinal) ? $"{kind.ToLowerInvariant()}.{apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)]}/{name}" : $"{kind.ToLowerInvariant()}/{name}";

    /// <summary>The objects of a multi-document YAML file, read in the process (no kubectl dry run).</summary>
    public static IReadOnlyList<ManifestObject> Read(string path) =>
        [.. YamlNodes.Load(path).Select(root => new ManifestObject(
            NameOf(Required(root, "apiVersion"), Required(root, "kind"), Required(root.Child("metadata"), "name")),
            root.Child("metadata").Child("labels").Scalars()))];

    private static string Required(YamlMappingNode? node, string key) =>
        node.Text(key) ?? throw new InvalidOperationException($"A manifest object without {key}: the render is broken.");

    private bool Matches1(string term)
    {
        if (term.StartsWith('!'))
        {
            return !Labels.ContainsKey(term[1..]);
        }

        var unequal = term.IndexOf("!=", StringComparison.Ordinal);
        if (unequal > 0)
        {
            return Labels.GetValueOrDefault(term[..unequal]) != term[(unequal + 2)..];
        }

        var equal = term.IndexOf('=', StringComparison.Ordinal);
        return equal < 0 ? Labels.ContainsKey(term) : Labels.GetValueOrDefault(term[..equal]) == term[(equal + 1)..].TrimStart('=');
    }
}
