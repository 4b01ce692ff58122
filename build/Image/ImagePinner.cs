using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Docker;

namespace MlflowGke.Build.Image;

/// <summary>
/// Pins the images the manifests name by tag (PostgreSQL, the Cloud SQL proxy, any helper) to the digests their registry
/// serves at deploy time, with the registry client the MLflow image uses (anonymous or token authentication, as the
/// registry asks). With a <paramref name="mirror"/> (IMAGE_MIRROR) the images are resolved in, and pulled from, the same
/// paths in that registry instead: postgres:16.4-bookworm is MIRROR/library/postgres:16.4-bookworm.
/// </summary>
public sealed class ImagePinner(IRegistryClient registry, string? mirror, ICakeLog log)
{
    /// <summary>Each distinct tagged reference of <paramref name="images"/> pinned; references with a digest are left as they are.</summary>
    public async Task<IReadOnlyList<PinnedImage>> PinAsync(IEnumerable<string> images, CancellationToken cancellationToken = default)
    {
        var pinned = new List<PinnedImage>();
        foreach (var image in images.Where(image => !image.Contains('@')).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var (name, tag) = Split(image);
            var repository = mirror == null ? name : $"{mirror}/{RegistryName.Parse(name).Path}";
            string? digest;
            try
            {
                digest = await registry.GetDigestAsync(repository, tag, cancellationToken);
            }
            catch (RegistryException exception)
            {
                throw new RegistryException($"Cannot pin {image} to a digest before applying anything: {exception.Message}", exception.IsTransient, exception);
            }

            var pin = new PinnedImage(name, tag, repository, digest ?? throw new ImagePinException(image, $"{repository}:{tag}"));
            log.Information("Pinned {0} to {1}", image, pin.Pinned);
            pinned.Add(pin);
        }

        return pinned;
    }

    private static (string Name, string Tag) Split(string image)
    {
        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }
}

/// <summary>A third-party image as the manifests name it (<see cref="Name"/>:<see cref="Tag"/>) and the digest it runs as.</summary>
public sealed record PinnedImage(string Name, string Tag, string Repository, string Digest)
{
    public string Pinned => $"{Repository}@{Digest}";
}

/// <summary>A tag the manifests name that the registry does not have: bad input, stopped before any change.</summary>
public sealed class ImagePinException(string image, string looked)
    : Exception($"The manifests run {image}, but the registry has no {looked}, so it cannot be pinned to a digest; nothing was changed. "
        + "Fix the tag in deployment/mlflow, or, with IMAGE_MIRROR set, copy the image into the mirror under that path (e.g. crane copy).")
    , IExitCodeException
{
    public int ExitCode => 2;
}
