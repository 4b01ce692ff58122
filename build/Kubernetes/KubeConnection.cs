using System.Net.Http.Headers;
using System.Text;
using k8s;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The API server of one kube context: the client library's HttpClient (it sets up TLS, the cluster's CA and client
/// certificates) and the credentials each request carries (a token, an exec plugin's token, or basic auth), which the
/// library adds only to its own typed calls.
/// </summary>
public sealed class KubeConnection(k8s.Kubernetes client, KubernetesClientConfiguration configuration) : IDisposable
{
    public HttpClient Http => client.HttpClient;

    public Uri Server => client.BaseUri;

    /// <summary>The Authorization header for the next request; an exec plugin runs again only when its token expires.</summary>
    public async Task<AuthenticationHeaderValue?> AuthorizationAsync(CancellationToken cancellationToken) =>
        configuration.TokenProvider != null ? await configuration.TokenProvider.GetAuthenticationHeaderAsync(cancellationToken)
        : configuration.AccessToken is { Length: > 0 } token ? new AuthenticationHeaderValue("Bearer", token)
        : configuration.Username is { Length: > 0 } user ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{configuration.Password}")))
        : null;

    public void Dispose() => client.Dispose();
}
