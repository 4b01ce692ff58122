namespace MlflowGke.Build.Image;

/// <summary>An image in a registry; <see cref="Pinned"/> is what the cluster runs, so a moved tag never changes it.</summary>
public sealed record ImageReference(string Repository, string Tag, string? Digest = null)
{
    public string Tagged => $"{Repository}:{Tag}";

    public string Pinned => Digest == null ? Tagged : $"{Repository}@{Digest}";
}
