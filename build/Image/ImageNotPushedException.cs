namespace MlflowGke.Build.Image;

/// <summary>The registry lacks the image a step needs to pin.</summary>
public sealed class ImageNotPushedException(ImageReference image)
    : Exception($"The image {image.Tagged} is not in the registry. Run PushImage first (./build.sh --target=PushImage), or set IMAGE_TAG (--image-tag) to a tag that was pushed.")
{
    public ImageReference Image { get; } = image;
}
