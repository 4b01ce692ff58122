using System.Globalization;
using MlflowGke.Build.Tests.Fakes.Registry;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// <c>mlflow server</c> of a given installation (MLflow 2.4.0, as the seed guide deployed it) on a loopback port against
/// a database; the URI goes through MLFLOW_BACKEND_STORE_URI, never on the command line.
/// </summary>
public sealed class ReleaseServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private readonly ProcessGroup _process;
    private readonly TempDirectory _folder;

    private ReleaseServer(ProcessGroup process, TempDirectory folder, Uri baseAddress)
    {
        _process = process;
        _folder = folder;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Starts the server and waits for /health; throws with its output when it exits first.</summary>
    public static async Task<ReleaseServer> StartAsync(MlflowInstallation mlflow, string uri, CancellationToken cancellationToken)
    {
        var port = LocalRegistry.FreePort();
        var folder = new TempDirectory();
        var server = new ReleaseServer(Start(mlflow, uri, port, folder), folder, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"));
        try
        {
            await server.WaitHealthyAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server where it is expected to refuse: returns its exit code and output once it exits.</summary>
    public static async Task<(int ExitCode, string Output)> RefusalAsync(MlflowInstallation mlflow, string uri, CancellationToken cancellationToken)
    {
        using var folder = new TempDirectory();
        await using var process = Start(mlflow, uri, LocalRegistry.FreePort(), folder);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartTimeout);
        var exitCode = await process.WaitForExitAsync(deadline.Token);
        return (exitCode, process.Output);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _folder.Dispose();
    }

    private static ProcessGroup Start(MlflowInstallation mlflow, string uri, int port, TempDirectory folder) => ProcessGroup.Start(
        $"mlflow server ({mlflow.Mlflow})",
        mlflow.Mlflow,
        ["server", "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--workers", "1", "--default-artifact-root", new Uri(folder.Combine("artifacts")).AbsoluteUri],
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = $"{mlflow.BinDirectory}:/usr/local/bin:/usr/bin:/bin",
            ["HOME"] = folder.Path,
            ["MLFLOW_BACKEND_STORE_URI"] = uri,
        },
        folder.Path);

    private async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartTimeout);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_process.Name} exited with {_process.ExitCode} before /health answered:{Environment.NewLine}{_process.Output}");
            }

            try
            {
                using var response = await http.GetAsync("health", deadline.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!deadline.IsCancellationRequested)
            {
                // One request timed out; the deadline decides.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), deadline.Token);
        }
    }
}
