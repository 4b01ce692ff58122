namespace MlflowGke.Build.Tests.Fakes.Kubernetes;

/// <summary>A resource URL: /api/v1[/namespaces/NS]/PLURAL[/NAME[/SUBRESOURCE]] or the same under /apis/GROUP/VERSION.</summary>
public sealed record ApiRoute(ResourceType Type, string? Namespace, string? Name, string? Subresource)
{
    public static ApiRoute? Parse(string path, ResourceCatalog catalog)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var (group, version, rest) = segments switch
        {
            ["api", var v, .. var r] => (string.Empty, v, r),
            ["apis", var g, var v, .. var r] => (g, v, r),
            _ => (string.Empty, string.Empty, Array.Empty<string>()),
        };
        if (rest.Length == 0)
        {
            return null;
        }

        string? ns = null;
        if (rest is ["namespaces", var namespaceName, var _, ..])
        {
            ns = namespaceName;
            rest = rest[2..];
        }

        var type = catalog.Find(group, version, rest[0]);
        return type == null ? null : new ApiRoute(type, ns, rest.ElementAtOrDefault(1), rest.ElementAtOrDefault(2));
    }

    /// <summary>How the API names the resource in messages: "deployments.apps", "secrets".</summary>
    public string QualifiedResource => Type.Group.Length == 0 ? Type.Plural : $"{Type.Plural}.{Type.Group}";
}
