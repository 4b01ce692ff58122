using Cake.Core;
using Cake.Core.IO;
using Cake.Core.Tooling;
using MlflowGke.Build.Processes;

namespace MlflowGke.Build.Rendering;

/// <summary>Builds a kustomization folder into one multi-document YAML stream, offline.</summary>
public interface IKustomize
{
    KustomizeOutput Build(DirectoryPath directory);
}

/// <summary>The rendered objects, and what kustomize printed on stderr (deprecation and other warnings).</summary>
public sealed record KustomizeOutput(string Manifest, IReadOnlyList<string> Warnings);

public sealed class KubectlKustomizeSettings : ToolSettings;

/// <summary><c>kubectl kustomize DIR</c>, the kustomize built into kubectl (no cluster is contacted).</summary>
public sealed class KubectlKustomize(IFileSystem fileSystem, ICakeEnvironment environment, IProcessRunner processRunner, IToolLocator tools)
    : Tool<KubectlKustomizeSettings>(fileSystem, environment, processRunner, tools), IKustomize
{
    // Kustomize reads local files only, so a render that takes longer than this is stuck.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    public KustomizeOutput Build(DirectoryPath directory)
    {
        var arguments = Arguments(directory);
        using var process = RunProcess(new KubectlKustomizeSettings(), arguments, new ProcessSettings { RedirectStandardOutput = true, RedirectStandardError = true, Silent = true });
        if (!process.WaitForExitWithin(Timeout))
        {
            throw new TimeoutException($"kubectl {arguments.Render()} did not finish within {Timeout.TotalSeconds:0} s.");
        }

        var errors = process.GetStandardError().Where(line => line.Length > 0).ToList();
        var exitCode = process.GetExitCode();
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"kubectl {arguments.Render()} failed with exit code {exitCode}:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
        }

        return new KustomizeOutput(string.Join('\n', process.GetStandardOutput()) + "\n", errors);
    }

    internal static ProcessArgumentBuilder Arguments(DirectoryPath directory) =>
        new ProcessArgumentBuilder().Append("kustomize").AppendQuoted(directory.FullPath);

    protected override string GetToolName() => "kubectl";

    protected override IEnumerable<string> GetToolExecutableNames() => ["kubectl", "kubectl.exe"];
}
