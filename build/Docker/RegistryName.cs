namespace MlflowGke.Build.Docker;

/// <summary>
/// An image repository split as docker splits it: the registry host (docker.io when the first part is not a
/// host) and the repository path in that registry.
/// </summary>
public sealed record RegistryName(string Host, string Path)
{
    public static RegistryName Parse(string repository)
    {
        var slash = repository.IndexOf('/');
        var first = slash < 0 ? string.Empty : repository[..slash];
        if (first.Contains('.') || first.Contains(':') || first == "localhost")
        {
            return new RegistryName(first, repository[(slash + 1)..]);
        }

        return new RegistryName("registry-1.docker.io", slash < 0 ? $"library/{repository}" : repository);
    }

    /// <summary>Docker talks plain HTTP to loopback registries (they are insecure registries by default); TLS to all others.</summary>
    public bool IsLoopback
    {
        get
        {
            var host = Host.StartsWith('[') ? Host[..(Host.IndexOf(']') + 1)] : Host.Split(':')[0];
            return host is "localhost" or "[::1]" || host.StartsWith("127.", StringComparison.Ordinal);
        }
    }

    public Uri BaseUri => new($"{(IsLoopback ? "http" : "https")}://{Host}/v2/");
}
