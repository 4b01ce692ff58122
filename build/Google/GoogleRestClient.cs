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
        using var response = await SendWithRetriesAsync(method, uri, accessToken, json, call, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var exception = GoogleApiException.FromResponse(call, response.StatusCode, text);
            throw GoogleRetry.IsTransient(response.StatusCode)
                ? exception.WithMessage($"{exception.Message} (still failing after {Retry.Options.TransientRetries} retries)")
                : exception;
        }

        return text.Length == 0 ? [] : JsonNode.Parse(text) as JsonObject ?? throw new InvalidOperationException($"{call.Description}: expected a JSON object from {uri}, got: {text}");
    }

    private async Task<HttpResponseMessage> SendWithRetriesAsync(HttpMethod method, Uri uri, string accessToken, string? json, GoogleCall call, CancellationToken cancellationToken)
    {
        try
        {
            return await Retry.Transient.ExecuteAsync(
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
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new GoogleSetupException(
                $"Could not {call.Description}: {uri.GetLeftPart(UriPartial.Authority)} did not answer after {Retry.Options.TransientRetries} retries ({exception.Message}). Check the network, and the CLOUDSDK_API_ENDPOINT_OVERRIDES_* variables if set.",
                exception);
        }
    }
}
