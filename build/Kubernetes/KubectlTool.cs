using Cake.Core;
using Cake.Core.IO;
using Cake.Core.Tooling;
using MlflowGke.Build.Processes;

namespace MlflowGke.Build.Kubernetes;

/// <summary>Which cluster and namespace every kubectl call targets: always passed explicitly, never taken from the kubeconfig.</summary>
public sealed class KubectlSettings : ToolSettings
{
    public required string Context { get; init; }

    public required string Namespace { get; init; }
}

/// <summary>What one kubectl run printed; output is captured, never streamed to the log.</summary>
public sealed record KubectlResult(int ExitCode, string Output, string Error);

/// <summary>
/// kubectl as a Cake tool: found like any Cake tool (ToolPath, registered tools, PATH). Each run gets
/// --context, --namespace and a request timeout, takes optional standard input (objects and secrets travel there,
/// never on the command line) and returns the captured output; the caller decides what an exit code means.
/// </summary>
public sealed class KubectlTool(IFileSystem fileSystem, ICakeEnvironment environment, IProcessRunner processRunner, IToolLocator tools)
    : Tool<KubectlSettings>(fileSystem, environment, processRunner, tools)
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long one kubectl run may take in all: its requests, discovery and retries.</summary>
    public static readonly TimeSpan ProcessTimeLimit = RequestTimeout * 3;

    public static ProcessArgumentBuilder Render(KubectlSettings settings, ProcessArgumentBuilder arguments) =>
        Targeting(settings, new ProcessArgumentBuilder().Append($"--request-timeout={(int)RequestTimeout.TotalSeconds}s"), arguments);

    /// <summary>--context and --namespace, then <paramref name="arguments"/>: without a request timeout, for commands that run until stopped.</summary>
    public static ProcessArgumentBuilder Targeting(KubectlSettings settings, params ProcessArgumentBuilder[] arguments)
    {
        var builder = new ProcessArgumentBuilder()
            .AppendSwitchQuoted("--context", "=", settings.Context)
            .AppendSwitchQuoted("--namespace", "=", settings.Namespace);
        foreach (var argument in arguments.SelectMany(part => part))
        {
            builder.Append(argument);
        }

        return builder;
    }

    /// <summary>
    /// Runs kubectl to its end. Cancelling <paramref name="cancellationToken"/> kills it, and so does
    /// <see cref="ProcessTimeLimit"/>: the request timeout bounds each API request, not a kubectl that hangs elsewhere.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled; kubectl was killed.</exception>
    public KubectlResult Run(KubectlSettings settings, ProcessArgumentBuilder arguments, string? standardInput, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var process = RunProcess(settings, Render(settings, arguments), new ProcessSettings
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInput = standardInput == null ? default(ProcessStandardInput?) : standardInput,
        });
        var exited = process.WaitForExitWithin(ProcessTimeLimit, cancellationToken);
        var error = string.Join('\n', process.GetStandardError());
        return exited
            ? new KubectlResult(process.GetExitCode(), string.Join('\n', process.GetStandardOutput()), error)
            : new KubectlResult(-1, string.Empty, $"{error}\nkubectl was killed: it had not finished after {ProcessTimeLimit.TotalSeconds:0}s.");
    }

    /// <summary>Starts kubectl and returns at once, for a command that runs until stopped (port-forward): no request timeout.</summary>
    public IProcess Start(KubectlSettings settings, ProcessArgumentBuilder arguments, ProcessSettings processSettings) =>
        RunProcess(settings, Targeting(settings, arguments), processSettings);

    protected override string GetToolName() => "kubectl";

    protected override IEnumerable<string> GetToolExecutableNames() => ["kubectl"];
}
