using System.Net;

namespace MlflowGke.Build.Verify;

/// <summary>With AUTH=basic, a tracking API call without credentials must be refused: a server that answers it runs without auth.</summary>
public static class AnonymousAccessCheck
{
    private const string Probe = "api/2.0/mlflow/experiments/get-by-name?experiment_name=Default";

    public static async Task EnsureRefusedAsync(HttpClient anonymous, string hostHeader, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Probe) { Headers = { Host = hostHeader } };
        using var response = await anonymous.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            throw new VerifyFailedException(
                $"AUTH=basic, but MLflow answered GET /{Probe} without credentials with {(int)response.StatusCode} instead of 401: the server runs without authentication. Check that its pods run `mlflow server --app-name basic-auth` (kubectl get deployment/mlflow --output=jsonpath='{{.spec.template.spec.containers[0].args}}') and run Apply again.");
        }
    }
}
