using System.Net;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Verify;

/// <summary>
/// A tracking API call without credentials must be refused: with AUTH=basic by MLflow (401), with AUTH=iap by
/// Identity-Aware Proxy (401/403, or a redirect to Google's sign-in). A server that answers it runs open.
/// </summary>
public static class AnonymousAccessCheck
{
    private const string Probe = "api/2.0/mlflow/experiments/get-by-name?experiment_name=Default";

    /// <summary>Returns how the call was refused, for the log.</summary>
    public static async Task<string> EnsureRefusedAsync(HttpClient anonymous, string hostHeader, AuthMode auth, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Probe) { Headers = { Host = hostHeader } };
        using var response = await anonymous.SendAsync(request, cancellationToken);
        var status = (int)response.StatusCode;
        return (auth, response.StatusCode) switch
        {
            (_, HttpStatusCode.Unauthorized) => "401",
            (AuthMode.Iap, HttpStatusCode.Forbidden) => "403",
            (AuthMode.Iap, HttpStatusCode.Found or HttpStatusCode.MovedPermanently or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect)
                when response.Headers.Location is { IsAbsoluteUri: true } location && location.Host != anonymous.BaseAddress!.Host => $"{status}, redirected to {location.Host}",
            (AuthMode.Iap, _) => throw new VerifyFailedException(
                $"AUTH=iap, but GET /{Probe} without credentials was answered {status} instead of being refused by Identity-Aware Proxy: IAP is not on. Check the Ingress's BackendConfig (kubectl get backendconfig mlflow --output=jsonpath='{{.spec.iap}}'), that the Secret mlflow-iap-oauth holds the OAuth client, and the IAP page of the console; then run Apply again."),
            _ => throw new VerifyFailedException(
                $"AUTH=basic, but MLflow answered GET /{Probe} without credentials with {status} instead of 401: the server runs without authentication. Check that its pods run `mlflow server --app-name basic-auth` (kubectl get deployment/mlflow --output=jsonpath='{{.spec.template.spec.containers[0].args}}') and run Apply again."),
        };
    }
}
