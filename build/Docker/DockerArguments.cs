using Cake.Core;
using Cake.Core.IO;

namespace MlflowGke.Build.Docker;

/// <summary>The command lines of the docker CLI wrapper, separate from running them so they can be checked without a process.</summary>
public static class DockerArguments
{
    public static ProcessArgumentBuilder Build(DockerBuildRequest request)
    {
        var builder = new ProcessArgumentBuilder().Append("build").AppendSwitchQuoted("--file", request.Dockerfile);
        foreach (var tag in request.Tags)
        {
            builder.AppendSwitchQuoted("--tag", tag);
        }

        foreach (var (name, value) in request.BuildArgs.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            builder.AppendSwitchQuoted("--build-arg", $"{name}={value}");
        }

        foreach (var (name, value) in request.Labels.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            builder.AppendSwitchQuoted("--label", $"{name}={value}");
        }

        foreach (var image in request.CacheFrom)
        {
            builder.AppendSwitchQuoted("--cache-from", image);
        }

        return builder.AppendQuoted(request.ContextDirectory);
    }

    public static ProcessArgumentBuilder Tag(string source, string target) => new ProcessArgumentBuilder().Append("tag").AppendQuoted(source).AppendQuoted(target);

    public static ProcessArgumentBuilder Push(string image) => new ProcessArgumentBuilder().Append("push").AppendQuoted(image);

    public static ProcessArgumentBuilder Pull(string image) => new ProcessArgumentBuilder().Append("pull").AppendQuoted(image);

    public static ProcessArgumentBuilder RepoDigests(string image) =>
        new ProcessArgumentBuilder().Append("image").Append("inspect").AppendSwitchQuoted("--format", "{{json .RepoDigests}}").AppendQuoted(image);
}
