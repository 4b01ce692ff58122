using Cake.Core;
using Google.Apis.Auth.OAuth2;

namespace MlflowGke.Build.Google;

/// <summary>Supplies the bearer token for Google API calls. The token is never logged.</summary>
public interface IGoogleAccessToken
{
    Task<string> GetAsync(CancellationToken cancellationToken);
}

public static class GoogleAccessToken
{
    /// <summary>The variable the Terraform provider also accepts: a ready access token, for CI and tests.</summary>
    public const string StaticTokenVariable = "GOOGLE_OAUTH_ACCESS_TOKEN";

    public static IGoogleAccessToken FromEnvironment(ICakeEnvironment environment) =>
        environment.GetEnvironmentVariable(StaticTokenVariable) is { Length: > 0 } token
            ? Static(token.Trim())
            : new ApplicationDefaultAccessToken();

    public static IGoogleAccessToken Static(string token) => new StaticAccessToken(token);

    private sealed class StaticAccessToken(string token) : IGoogleAccessToken
    {
        public Task<string> GetAsync(CancellationToken cancellationToken) => Task.FromResult(token);

        public override string ToString() => $"{StaticTokenVariable} (static token)";
    }

    /// <summary>Application default credentials: user ADC, GCE/GKE metadata, or the external_account file of Workload Identity Federation.</summary>
    private sealed class ApplicationDefaultAccessToken : IGoogleAccessToken
    {
        private const string CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";
        private readonly SemaphoreSlim _gate = new(1, 1);
        private ITokenAccess? _credential;

        public async Task<string> GetAsync(CancellationToken cancellationToken)
        {
            var credential = await GetCredentialAsync(cancellationToken);
            return await credential.GetAccessTokenForRequestAsync(cancellationToken: cancellationToken);
        }

        public override string ToString() => "application default credentials";

        private async Task<ITokenAccess> GetCredentialAsync(CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                if (_credential == null)
                {
                    var credential = await GoogleCredential.GetApplicationDefaultAsync(cancellationToken);
                    _credential = credential.CreateScoped(CloudPlatformScope);
                }

                return _credential;
            }
            catch (InvalidOperationException exception)
            {
                throw new GoogleSetupException(
                    $"No Google credentials: {exception.Message} Run 'gcloud auth application-default login', use google-github-actions/auth in GitHub Actions, or set {StaticTokenVariable}.",
                    exception);
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
