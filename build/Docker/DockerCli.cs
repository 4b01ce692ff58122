using System.Text.Json;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Tooling;

namespace MlflowGke.Build.Docker;

/// <summary>
/// The docker CLI on Cake's <see cref="Tool{TSettings}"/>: found like any Cake tool (ToolPath, registered tools, PATH).
/// Cancelling <paramref name="cancellationToken"/> (the run's) kills the running docker command.
/// </summary>
public sealed class DockerCli(ICakeContext context, DockerToolSettings? settings = null, CancellationToken cancellationToken = default)
    : Tool<DockerToolSettings>(context.FileSystem, context.Environment, context.ProcessRunner, context.Tools), IDockerImages
{
    private readonly DockerToolSettings _settings = settings ?? new DockerToolSettings();

    public void Build(DockerBuildRequest request) => Execute(DockerArguments.Build(request), stream: true).ThrowOnFailure("build");

    public void Tag(string source, string target) => Execute(DockerArguments.Tag(source, target), stream: false).ThrowOnFailure("tag");

    public void Push(string image) => Execute(DockerArguments.Push(image), stream: true).ThrowOnFailure($"push {image}");

    public bool TryPull(string image)
    {
        var result = Execute(DockerArguments.Pull(image), stream: false);
        if (result.ExitCode != 0)
        {
            context.Log.Warning("Could not pull {0} (building without its cache): {1}", image, string.Join(' ', result.Errors));
        }

        return result.ExitCode == 0;
    }

    public IReadOnlyList<string>? RepoDigests(string image)
    {
        var result = Execute(DockerArguments.RepoDigests(image), stream: false);
        if (result.ExitCode != 0)
        {
            return result.Errors.Any(line => line.Contains("no such image", StringComparison.OrdinalIgnoreCase))
                ? null
                : throw new DockerCommandException("image inspect", result.ExitCode, result.Errors);
        }

        using var digests = JsonDocument.Parse(string.Join(string.Empty, result.Output));
        return digests.RootElement.ValueKind == JsonValueKind.Array ? [.. digests.RootElement.EnumerateArray().Select(digest => digest.GetString()!)] : [];
    }

    protected override string GetToolName() => "docker";

    protected override IEnumerable<string> GetToolExecutableNames() => ["docker", "docker.exe"];

    private DockerResult Execute(ProcessArgumentBuilder arguments, bool stream)
    {
        context.Log.Verbose("docker {0}", arguments.RenderSafe());
        var output = new List<string>();
        var errors = new List<string>();
        var gate = new Lock();
        string Collect(List<string> lines, string? line)
        {
            if (line != null)
            {
                lock (gate)
                {
                    lines.Add(line);
                    if (stream)
                    {
                        context.Log.Information("{0}", line);
                    }
                }
            }

            return line!;
        }

        var processSettings = new ProcessSettings
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectedStandardOutputHandler = line => Collect(output, line),
            RedirectedStandardErrorHandler = line => Collect(errors, line),
            Silent = true,
        };
        cancellationToken.ThrowIfCancellationRequested();
        using var process = RunProcess(_settings, arguments, processSettings);
        using (cancellationToken.Register(process.Kill))
        {
            process.WaitForExit();
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            return new DockerResult(process.GetExitCode(), [.. output], [.. errors.Where(line => line.Length > 0)]);
        }
    }

    private sealed record DockerResult(int ExitCode, IReadOnlyList<string> Output, IReadOnlyList<string> Errors)
    {
        public void ThrowOnFailure(string command)
        {
            if (ExitCode != 0)
            {
                throw new DockerCommandException(command, ExitCode, Errors);
            }
        }
    }
}
