using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Verify;

/// <summary>
/// Where Verify talks to MLflow: MLFLOW_URL when set, otherwise a kubectl port-forward to svc/mlflow that lives as
/// long as this endpoint.
/// </summary>
public sealed class MlflowEndpoint : IAsyncDisposable
{
    private readonly PortForwardSession? _portForward;

    private MlflowEndpoint(Uri baseAddress, string hostHeader, string description, PortForwardSession? portForward)
    {
        BaseAddress = baseAddress;
        HostHeader = hostHeader;
        Description = description;
        _portForward = portForward;
    }

    /// <summary>The server's root, ending in '/' so that paths below a prefix resolve under it.</summary>
    public Uri BaseAddress { get; }

    public string HostHeader { get; }

    public string Description { get; }

    public bool ThroughPortForward => _portForward != null;

    /// <summary><paramref name="mlflowUrl"/> when set; otherwise a port-forward to svc/mlflow in <paramref name="kubeNamespace"/> of <paramref name="kubeContext"/>.</summary>
    public static async Task<MlflowEndpoint> OpenAsync(Uri? mlflowUrl, KubectlPortForward portForwarder, string? kubeContext, string kubeNamespace, CancellationToken cancellationToken)
    {
        if (mlflowUrl is { } url)
        {
            var root = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
            return new MlflowEndpoint(root, root.Authority, $"{root} ({SettingNames.MlflowUrl})", null);
        }

        var context = kubeContext
            ?? throw new InvalidOperationException($"{SettingNames.KubeContext} or {SettingNames.MlflowUrl} is required; the settings check should have said so.");
        var portForward = await portForwarder.StartAsync(new KubectlPortForwardSettings { Context = context, Namespace = kubeNamespace }, cancellationToken);
        return new MlflowEndpoint(portForward.Uri, portForward.HostHeader, portForward.Description, portForward);
    }

    public async ValueTask DisposeAsync()
    {
        if (_portForward != null)
        {
            await _portForward.DisposeAsync();
        }
    }
}
