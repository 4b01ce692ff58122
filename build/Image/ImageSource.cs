using Cake.Core;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Image;

/// <summary>
/// Where the image comes from and what it is called: the build context, the Dockerfile and the reference, derived
/// from settings and file contents only, so BuildImage, PushImage and Apply compute the same reference in any job.
/// </summary>
public sealed record ImageSource(string ContextDirectory, string Dockerfile, ImageReference Image)
{
    /// <summary>The moving tag pushed beside the content tag; the next build uses it as its cache.</summary>
    public const string CacheTag = "latest";

    public string CacheImage => $"{Image.Repository}:{CacheTag}";

    public static ImageSource From(ICakeContext context, DeploySettings settings)
    {
        var workingDirectory = context.Environment.WorkingDirectory.FullPath;
        var contextDirectory = Path.GetFullPath(settings.ImageContext, workingDirectory);
        var dockerfile = Path.GetFullPath(settings.Dockerfile, workingDirectory);
        var tag = settings.ImageTag ?? ImageInputDigest.Tag(contextDirectory, dockerfile);
        return new ImageSource(contextDirectory, dockerfile, new ImageReference(settings.ImageRepository, tag));
    }
}
