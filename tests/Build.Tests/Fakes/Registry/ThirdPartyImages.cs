using MlflowGke.Build.Docker;
using MlflowGke.Build.Rendering;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Fakes.Registry;

/// <summary>
/// The images the committed manifests name by tag besides MLflow's (PostgreSQL, the Cloud SQL proxy), as a mirror
/// (IMAGE_MIRROR) holds them: under their own paths in a local registry, each a small synthetic image.
/// </summary>
public static class ThirdPartyImages
{
    public static IReadOnlyList<string> Committed { get; } = Directory
        .GetFiles(Path.Combine(RepositoryLayout.Deployment, "mlflow"), "*.yaml", SearchOption.AllDirectories)
        .SelectMany(file => ManifestRenderer.ContainerImages(File.ReadAllText(file)))
        .Where(image => !image.StartsWith(GeneratedKustomization.ImageName, StringComparison.Ordinal))
        .Distinct(StringComparer.Ordinal)
        .ToList();

    /// <summary>Pushes every committed third-party image into <paramref name="registry"/>; returns image → the digest it serves.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> MirrorAsync(LocalRegistry registry)
    {
        var digests = new Dictionary<string, string>();
        foreach (var image in Committed)
        {
            var colon = image.LastIndexOf(':');
            digests[image] = await registry.PushSyntheticImageAsync(RegistryName.Parse(image[..colon]).Path, image[(colon + 1)..]);
        }

        return digests;
    }
}
