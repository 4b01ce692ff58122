namespace MlflowGke.Build.Docker;

/// <summary>What <c>docker build</c> is asked to do; rendered by <see cref="DockerArguments.Build"/>.</summary>
public sealed record DockerBuildRequest(string ContextDirectory, string Dockerfile, IReadOnlyList<string> Tags)
{
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> CacheFrom { get; init; } = [];
}
