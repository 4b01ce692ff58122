using Cake.Core.Diagnostics;
using MlflowGke.Build.Docker;

namespace MlflowGke.Build.Image;

/// <summary>
/// Finds the already-pushed image a deployment pins: the reference is recomputed from settings and build inputs
/// (as BuildImage and PushImage compute it), and the digest is read from the registry, so a step run alone in
/// another job pins exactly what PushImage pushed, and a tag moved later cannot change what runs.
/// </summary>
public sealed class ImageResolver(IRegistryClient registry, ImageReference image, bool isPlan, ICakeLog log)
{
    /// <summary>
    /// <c>repo@sha256:…</c> of the pushed image (<see cref="ImageReference.Pinned"/>). Throws
    /// <see cref="ImageNotPushedException"/> ("run PushImage first") when the registry lacks the tag, except in plan
    /// mode, where the image may be one the plan would push: then the unpinned reference comes back.
    /// </summary>
    public async Task<ImageReference> ResolvePushedAsync(CancellationToken cancellationToken = default)
    {
        var digest = await registry.GetDigestAsync(image.Repository, image.Tag, cancellationToken);
        if (digest != null)
        {
            return image with { Digest = digest };
        }

        if (!isPlan)
        {
            throw new ImageNotPushedException(image);
        }

        log.Information("{0} is not in the registry yet; a real run pins the digest that PushImage pushes.", image.Tagged);
        return image;
    }
}
