namespace MlflowGke.Build.Docker;

/// <summary>Reads a registry's manifests (registry HTTP API v2).</summary>
public interface IRegistryClient
{
    /// <summary>
    /// The digest (<c>sha256:…</c>) of the manifest <paramref name="repository"/>:<paramref name="tag"/> points to, or null
    /// when the registry does not have that tag. Throws <see cref="RegistryException"/> when the registry cannot answer.
    /// </summary>
    Task<string?> GetDigestAsync(string repository, string tag, CancellationToken cancellationToken);
}
