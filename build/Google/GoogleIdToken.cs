using Cake.Core;
using Google.Apis.Auth.OAuth2;

namespace MlflowGke.Build.Google;

/// <summary>Supplies a Google-signed OpenID Connect ID token for an audience (IAP's OAuth client ID). Never logged.</summary>
public interface IGoogleIdToken
{
    Task<string> GetAsync(string audience, CancellationToken cancellationToken);
}

public static class GoogleIdToken
{
    /// <summary>A ready ID token (`gcloud auth print-identity-token --audiences=CLIENT_ID ...`), for CI, user accounts and tests.</summary>
    public const string StaticTokenVariable = "GOOGLE_ID_TOKEN";

    public static IGoogleIdToken FromEnvironment(ICakeEnvironment environment) =>
        environment.GetEnvironmentVariable(StaticTokenVariable) is { Length: > 0 } token
            ? new StaticIdToken(token.Trim())
            : new ApplicationDefaultIdToken();

    private sealed class StaticIdToken(string token) : IGoogleIdToken
    {
        public Task<string> GetAsync(string audience, CancellationToken cancellationToken) => Task.FromResult(token);
    }

    /// <summary>
    /// Application default credentials that can sign for an audience: a service account key, the GKE/GCE metadata server,
    /// or an impersonated service account. User credentials cannot, which the error explains.
    /// </summary>
    private sealed class ApplicationDefaultIdToken : IGoogleIdToken
    {
        public async Task<string> GetAsync(string audience, CancellationToken cancellationToken)
        {
            try
            {
                var credential = await GoogleCredential.GetApplicationDefaultAsync(cancellationToken);
                var oidc = await credential.GetOidcTokenAsync(OidcTokenOptions.FromTargetAudience(audience), cancellationToken);
                return await oidc.GetAccessTokenAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is InvalidOperationException or NotSupportedException)
            {
                throw new GoogleSetupException(
                    $"No ID token for the IAP OAuth client {audience}: {exception.Message} Verify needs credentials of a service account (a key file, the metadata server, or impersonation), "
                    + $"or a token in {StaticTokenVariable}: {StaticTokenVariable}=$(gcloud auth print-identity-token --impersonate-service-account=SA_EMAIL --audiences={audience} --include-email). "
                    + "The identity needs the role IAP-secured Web App User (roles/iap.httpsResourceAccessor).",
                    exception);
            }
        }
    }
}
