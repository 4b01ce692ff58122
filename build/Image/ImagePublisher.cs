using System.Globalization;
using System.Text.RegularExpressions;
using Cake.Core.Diagnostics;
using MlflowGke.Build.Docker;

namespace MlflowGke.Build.Image;

/// <summary>The work of BuildImage and PushImage: what the registry has, building with cache and labels, pushing with retries.</summary>
public sealed partial class ImagePublisher(IDockerImages docker, IRegistryClient registry, ImageSource source, Func<SourceRevision> readRevision, ICakeLog log, RetryPolicy pushRetry)
{
    private readonly Lazy<SourceRevision> _revision = new(readRevision);
    private IReadOnlyList<string>? _tags;
    private string? _registryDigest;
    private bool _registryRead;

    public ImageSource Source => source;

    /// <summary>Every tag the image gets: the commit tag (clean checkouts only), the cache tag, and last the content tag.</summary>
    public IReadOnlyList<string> Tags => _tags ??= [.. new[] { _revision.Value.CommitTag, ImageSource.CacheTag, source.Image.Tag }.OfType<string>().Distinct()];

    /// <summary>
    /// The digest the registry has for the content tag, or null, as <see cref="ReadRegistryAsync"/> read it: the
    /// preflight reads it before the first task, so BuildImage and PushImage decide whether to run without blocking.
    /// </summary>
    public string? RegistryDigest => _registryRead
        ? _registryDigest
        : throw new InvalidOperationException("The registry was not read yet: the preflight check ImageRegistry reads it before the first task.");

    /// <summary>The image in the registry pinned by digest, or null when the registry does not have it.</summary>
    public ImageReference? Pushed => RegistryDigest is { } digest ? source.Image with { Digest = digest } : null;

    /// <summary>Reads the digest the registry has for the content tag, once per run (again only after a push).</summary>
    public async Task<string?> ReadRegistryAsync(CancellationToken cancellationToken)
    {
        if (!_registryRead)
        {
            _registryDigest = await registry.GetDigestAsync(source.Image.Repository, source.Image.Tag, cancellationToken);
            _registryRead = true;
        }

        return _registryDigest;
    }

    public async Task BuildAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var revision = _revision.Value;
        var cacheFrom = await registry.GetDigestAsync(source.Image.Repository, ImageSource.CacheTag, cancellationToken) != null && docker.TryPull(source.CacheImage)
            ? new[] { source.CacheImage }
            : [];
        var created = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var buildArgs = new Dictionary<string, string>
        {
            ["BUILD_DATE"] = created,
            ["GIT_COMMIT"] = revision.Commit ?? "unknown",

            // BuildKit then stores cache metadata in the image, so the next build can use it through --cache-from.
            ["BUILDKIT_INLINE_CACHE"] = "1",
        };
        var labels = new Dictionary<string, string> { ["org.opencontainers.image.created"] = created };
        if (revision.Commit != null)
        {
            labels["org.opencontainers.image.revision"] = revision.Commit;
        }

        if (revision.SourceUrl != null)
        {
            buildArgs["SOURCE_URL"] = revision.SourceUrl;
            labels["org.opencontainers.image.source"] = revision.SourceUrl;
        }

        if (MlflowVersion() is { } version)
        {
            buildArgs["MLFLOW_VERSION"] = version;
        }

        docker.Build(new DockerBuildRequest(source.ContextDirectory, source.Dockerfile, [.. Tags.Select(tag => $"{source.Image.Repository}:{tag}")])
        {
            BuildArgs = buildArgs,
            Labels = labels,
            CacheFrom = cacheFrom,
        });
    }

    /// <summary>Reads the registry when not read yet, then answers <see cref="PushNotNeededBecause"/>.</summary>
    public async Task<string?> PushNotNeededBecauseAsync(CancellationToken cancellationToken)
    {
        await ReadRegistryAsync(cancellationToken);
        return PushNotNeededBecause();
    }

    /// <summary>Why pushing is not needed, or null when it is: the registry has the content tag with this machine's digest (or this machine has no build of it).</summary>
    public string? PushNotNeededBecause()
    {
        var remote = RegistryDigest;
        if (remote == null)
        {
            return null;
        }

        var local = docker.RepoDigests(source.Image.Tagged);
        if (local == null)
        {
            return $"the registry already has {source.Image.Tag} ({remote}) and this machine has no other build of it";
        }

        return local.Contains($"{source.Image.Repository}@{remote}") ? $"the registry already has {source.Image.Tag} with the same digest ({remote})" : null;
    }

    /// <summary>Pushes every tag, retrying transient failures; returns the pushed image pinned by digest.</summary>
    public async Task<ImageReference> PushAsync(CancellationToken cancellationToken, Action<int>? onRetry = null)
    {
        if (docker.RepoDigests(source.Image.Tagged) == null)
        {
            throw new InvalidOperationException($"This machine has no image {source.Image.Tagged} to push. Run BuildImage first (./build.sh --target=PushImage runs it).");
        }

        // The content tag goes last: its presence is what tells later runs the push is complete.
        foreach (var tag in Tags)
        {
            var image = $"{source.Image.Repository}:{tag}";
            var pipeline = pushRetry.Create($"Pushing {image}", exception => exception is DockerCommandException { IsTransient: true }, log, onRetry);
            await pipeline.ExecuteAsync(_ => { docker.Push(image); return ValueTask.CompletedTask; }, cancellationToken);
        }

        _registryRead = false;
        var digest = await ReadRegistryAsync(cancellationToken) ?? throw new InvalidOperationException($"The registry does not show {source.Image.Tagged} right after the push succeeded.");
        var pinned = source.Image with { Digest = digest };
        log.Information("Pushed {0}: digest {1}; deployments pin {2}", source.Image.Tagged, digest, pinned.Pinned);
        return pinned;
    }

    // The Dockerfile labels the image with the MLflow version that requirements.txt pins.
    private string? MlflowVersion()
    {
        var requirements = Path.Combine(source.ContextDirectory, "requirements.txt");
        return File.Exists(requirements) && MlflowPin().Match(File.ReadAllText(requirements)) is { Success: true } match ? match.Groups[1].Value : null;
    }

    [GeneratedRegex("^mlflow==([^\\s#;]+)", RegexOptions.Multiline)]
    private static partial Regex MlflowPin();
}
