using System.Text.RegularExpressions;
using Cake.Core;
using Cake.Core.IO;
using MlflowGke.Build.Kubernetes;

namespace MlflowGke.Build.Verify;

public sealed class KubectlPortForwardSettings
{
    public required string Context { get; init; }

    public required string Namespace { get; init; }

    public string Resource { get; init; } = "svc/mlflow";

    public int RemotePort { get; init; } = 5000;

    /// <summary>How long kubectl may wait for a running pod; <see cref="StartTimeout"/> is longer.</summary>
    public TimeSpan PodRunningTimeout { get; init; } = TimeSpan.FromSeconds(45);

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public KubectlSettings Target => new() { Context = Context, Namespace = Namespace };
}

/// <summary>
/// <c>kubectl port-forward RESOURCE :PORT</c> on 127.0.0.1: kubectl picks a free local port and prints it, and the
/// returned session stops kubectl when disposed. Runs on the suite's one <see cref="KubectlTool"/>.
/// </summary>
public sealed partial class KubectlPortForward(KubectlTool kubectl)
{
    public async Task<PortForwardSession> StartAsync(KubectlPortForwardSettings settings, CancellationToken cancellationToken)
    {
        var forwarded = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new List<string>();
        var process = kubectl.Start(settings.Target, Arguments(settings), new ProcessSettings
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectedStandardOutputHandler = line =>
            {
                if (ParseLocalPort(line) is { } port)
                {
                    forwarded.TrySetResult(port);
                }

                return line;
            },
            RedirectedStandardErrorHandler = line =>
            {
                // Cake passes the end of the stream as null, despite the signature.
                if (line is { Length: > 0 })
                {
                    lock (errors)
                    {
                        errors.Add(line);
                    }
                }

                return line!;
            },
        });
        var session = new PortForwardSession(process, settings, errors);
        var exited = Task.Run(process.WaitForExit, CancellationToken.None);
        var first = await Task.WhenAny(forwarded.Task, exited, Task.Delay(settings.StartTimeout, cancellationToken));
        if (first == forwarded.Task)
        {
            session.LocalPort = await forwarded.Task;
            return session;
        }

        int? exitCode = first == exited ? process.GetExitCode() : null;
        await session.DisposeAsync();
        throw new VerifyFailedException(exitCode != null
            ? PortForwardFailure.Explain(settings, exitCode, session.Errors)
            : $"kubectl port-forward {settings.Resource} did not report a local port within {settings.StartTimeout.TotalSeconds:0} s. {PortForwardFailure.Explain(settings, null, session.Errors)}");
    }

    /// <summary>The command line after "kubectl" and its --context and --namespace.</summary>
    public static ProcessArgumentBuilder Arguments(KubectlPortForwardSettings settings) => new ProcessArgumentBuilder()
        .Append("port-forward")
        .AppendQuoted(settings.Resource)
        .Append($":{settings.RemotePort}")
        .Append("--address=127.0.0.1")
        .Append($"--pod-running-timeout={(int)settings.PodRunningTimeout.TotalSeconds}s");

    /// <summary>The local port from kubectl's "Forwarding from 127.0.0.1:PORT -> REMOTE" line; null for other lines.</summary>
    public static int? ParseLocalPort(string? line) =>
        line != null && ForwardingLine().Match(line) is { Success: true } match ? int.Parse(match.Groups["port"].ValueSpan, provider: null) : null;

    /// <summary>
    /// The Host header to send through the tunnel: the service's own port, which MLflow ≥3.5 accepts even where
    /// --allowed-hosts lists localhost:5000 only rather than our manifests' localhost:* (any local port).
    /// </summary>
    public static string HostHeader(KubectlPortForwardSettings settings) => $"localhost:{settings.RemotePort}";

    [GeneratedRegex(@"^Forwarding from 127\.0\.0\.1:(?<port>[0-9]{1,5}) -> ")]
    private static partial Regex ForwardingLine();
}

/// <summary>A running port-forward; disposing stops kubectl.</summary>
public sealed class PortForwardSession(IProcess process, KubectlPortForwardSettings settings, List<string> errors) : IAsyncDisposable
{
    public int LocalPort { get; internal set; }

    public Uri Uri => new($"http://127.0.0.1:{LocalPort}/");

    public string HostHeader => KubectlPortForward.HostHeader(settings);

    public string Description => $"{settings.Resource} in namespace {settings.Namespace} (kubectl port-forward on 127.0.0.1:{LocalPort}, context {settings.Context})";

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (errors)
            {
                return [.. errors];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.WaitForExit(0))
        {
            process.Kill();
        }

        await Task.Run(process.WaitForExit);
        process.Dispose();
    }
}
