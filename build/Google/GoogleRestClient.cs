using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Google;

/// <summary>JSON over HTTPS with a bearer token; 429/5xx retried; any other error thrown as an explained <see cref="GoogleApiException"/>.</summary>
public sealed class GoogleRestClient(HttpClient http, IGoogleAccessToken token, GoogleRetry retry)
{
    public GoogleRetry Retry { get; } = retry;

    public async Task<JsonObject> SendAsync(HttpMethod method, Uri uri, JsonNode? body, GoogleCall call, CancellationToken cancellationToken)
    {
        var accessToken = await token.GetAsync(cancellationToken);
        var json = body?.ToJsonString();
        using var response = await Retry.Transient.ExecuteAsync(
            async attemptToken =>
            {
                using var request = new HttpRequestMessage(method, uri);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
                if (json != null)
                {
                    request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                }

                return await http.SendAsync(request, attemptToken);
            },
            cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var exception = GoogleApiException.FromResponse(call, response.StatusCode, text);
            throw GoogleRetry.IsTransient(response.StatusCode)
                ? new GoogleApiException($"{exception.Message} (still failing after {Retry.Options.TransientRetries} retries)", call, exception.StatusCode, exception.Status, exception.Reason, exception.Service, exception.ApiMessage)
                : exception;
        }

        return text.Length == 0 ? [] : JsonNode.Parse(text) as JsonObject ?? throw new InvalidOperationException($"{call.Description}: expected a JSON object from {uri}, got: {text}");
    }
}
