namespace MlflowGke.Build.Docker;

/// <summary>The docker daemon's images: build, tag, push, pull, and what is stored locally.</summary>
public interface IDockerImages
{
    /// <summary>Builds with docker's output streamed to the log; throws <see cref="DockerCommandException"/> with docker's message.</summary>
    void Build(DockerBuildRequest request);

    void Tag(string source, string target);

    /// <summary>Pushes one tag; throws <see cref="DockerCommandException"/> (see <see cref="DockerCommandException.IsTransient"/>).</summary>
    void Push(string image);

    /// <summary>Pulls an image; false (with docker's reason logged) when it cannot.</summary>
    bool TryPull(string image);

    /// <summary>The local image's <c>repo@sha256:…</c> digests; null when the daemon has no such image.</summary>
    IReadOnlyList<string>? RepoDigests(string image);
}
