using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;
using MlflowGke.Build.Changes;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The Secret <c>mlflow-iap-oauth</c> (keys client_id, client_secret) that the iap component's BackendConfig names: GKE
/// reads the OAuth client Identity-Aware Proxy uses from it. Written from the settings when it differs, else kept.
/// </summary>
public sealed class IapOAuthSecret(IKubectl kubectl, ChangeGate changes, ICakeLog log)
{
    public const string SecretName = "mlflow-iap-oauth";
    public const string ClientIdKey = "client_id";
    public const string ClientSecretKey = "client_secret";

    public async Task EnsureAsync(string clientId, string clientSecret, CancellationToken cancellationToken = default)
    {
        kubectl.AddSecret(clientSecret);
        var existing = await kubectl.GetAsync("secret", SecretName, cancellationToken);
        if (existing != null && DatabaseCredentials.Decode(existing, ClientIdKey) == clientId && DatabaseCredentials.Decode(existing, ClientSecretKey) == clientSecret)
        {
            log.Information("Secret {0}/{1} holds the OAuth client {2}; keeping it.", kubectl.Namespace, SecretName, clientId);
            return;
        }

        var data = new JsonObject { [ClientIdKey] = clientId, [ClientSecretKey] = clientSecret };
        await changes.MakeAsync(
            $"{(existing == null ? "create" : "replace")} Secret {kubectl.Namespace}/{SecretName} with the OAuth client {clientId} for Identity-Aware Proxy",
            () => DatabaseCredentials.WriteSecretAsync(kubectl, existing == null ? "create" : "replace", SecretName, data, cancellationToken));
    }
}
