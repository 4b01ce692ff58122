using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;

namespace MlflowGke.Build.Verify;

/// <summary>
/// MLflow's REST API over <see cref="HttpClient"/>. Answers without a body MLflow would send, and no answer at all,
/// become <see cref="MlflowApiException"/>. Refused connections and 429/502/503/504 are retried a few times with
/// capped, jittered backoff; every other error (a failed TLS handshake too) is permanent and reported at once.
/// </summary>
public sealed class MlflowRestClient : IMlflowApi
{
    private const string Api = "api/2.0/mlflow/";
    private const string Artifacts = "api/2.0/mlflow-artifacts/artifacts/";
    private const int DetailLength = 600;

    // MLflow 3.x reads an absent max_results as 0 and answers an empty history: always send it.
    private const int MetricHistoryLimit = 1000;

    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;

    /// <param name="http">A client whose <see cref="HttpClient.BaseAddress"/> is the server's root.</param>
    /// <param name="hostHeader">The Host header to send; null sends the base address's host and port.</param>
    /// <param name="retryDelay">The first retry's delay; later ones double, up to ten times this.</param>
    public MlflowRestClient(HttpClient http, string? hostHeader = null, TimeSpan? retryDelay = null)
    {
        _http = http;
        BaseAddress = http.BaseAddress ?? throw new ArgumentException("The HttpClient needs a BaseAddress.", nameof(http));
        HostHeader = hostHeader ?? BaseAddress.Authority;
        var delay = retryDelay ?? TimeSpan.FromMilliseconds(250);
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>(exception => exception.HttpRequestError != HttpRequestError.SecureConnectionError)
                    .HandleResult(response => response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout),
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = delay,
                MaxDelay = delay * 10,
            })
            .Build();
    }

    public Uri BaseAddress { get; }

    public string HostHeader { get; }

    public async Task<(int StatusCode, string Body)> GetHealthAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "health", null, cancellationToken);
        return ((int)response.StatusCode, (await response.Content.ReadAsStringAsync(cancellationToken)).Trim());
    }

    public async Task<MlflowExperiment?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken)
    {
        var path = $"{Api}experiments/get-by-name?experiment_name={Uri.EscapeDataString(name)}";
        using var response = await SendAsync(HttpMethod.Get, path, null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound && await ErrorCodeAsync(response, cancellationToken) == "RESOURCE_DOES_NOT_EXIST")
        {
            return null;
        }

        var experiment = (await ReadJsonAsync(response, path, cancellationToken))["experiment"]!;
        return new MlflowExperiment(Text(experiment, "experiment_id"), Text(experiment, "name"), Text(experiment, "lifecycle_stage"));
    }

    public async Task<string?> CreateExperimentAsync(string name, CancellationToken cancellationToken)
    {
        const string path = Api + "experiments/create";
        using var response = await SendAsync(HttpMethod.Post, path, Json(new JsonObject { ["name"] = name }), cancellationToken);
        if (response.StatusCode == HttpStatusCode.BadRequest && await ErrorCodeAsync(response, cancellationToken) == "RESOURCE_ALREADY_EXISTS")
        {
            return null;
        }

        return Text(await ReadJsonAsync(response, path, cancellationToken), "experiment_id");
    }

    public Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken) =>
        PostAsync("experiments/restore", new JsonObject { ["experiment_id"] = experimentId }, cancellationToken);

    public async Task<MlflowRun> CreateRunAsync(string experimentId, string runName, DateTimeOffset startTime, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["experiment_id"] = experimentId, ["run_name"] = runName, ["start_time"] = startTime.ToUnixTimeMilliseconds() };
        var info = (await PostAsync("runs/create", body, cancellationToken))["run"]?["info"]
            ?? throw new InvalidDataException("runs/create answered without run.info.");
        return new MlflowRun(Text(info, "run_id"), Text(info, "experiment_id"), Text(info, "artifact_uri"));
    }

    public Task LogParameterAsync(string runId, string key, string value, CancellationToken cancellationToken) =>
        PostAsync("runs/log-parameter", new JsonObject { ["run_id"] = runId, ["key"] = key, ["value"] = value }, cancellationToken);

    public Task LogMetricAsync(string runId, string key, double value, DateTimeOffset timestamp, CancellationToken cancellationToken) =>
        PostAsync("runs/log-metric", new JsonObject { ["run_id"] = runId, ["key"] = key, ["value"] = value, ["timestamp"] = timestamp.ToUnixTimeMilliseconds(), ["step"] = 0 }, cancellationToken);

    public async Task<MlflowRunData> GetRunDataAsync(string runId, CancellationToken cancellationToken)
    {
        var path = $"{Api}runs/get?run_id={Uri.EscapeDataString(runId)}";
        using var response = await SendAsync(HttpMethod.Get, path, null, cancellationToken);
        var data = (await ReadJsonAsync(response, path, cancellationToken))["run"]?["data"];
        var parameters = (data?["params"]?.AsArray() ?? []).ToDictionary(item => Text(item!, "key"), item => Text(item!, "value"));
        var metrics = (data?["metrics"]?.AsArray() ?? []).ToDictionary(item => Text(item!, "key"), item => item!["value"]!.GetValue<double>());
        return new MlflowRunData(parameters, metrics);
    }

    public async Task<IReadOnlyList<double>> GetMetricHistoryAsync(string runId, string metricKey, CancellationToken cancellationToken)
    {
        var path = $"{Api}metrics/get-history?run_id={Uri.EscapeDataString(runId)}&metric_key={Uri.EscapeDataString(metricKey)}&max_results={MetricHistoryLimit}";
        using var response = await SendAsync(HttpMethod.Get, path, null, cancellationToken);
        var metrics = (await ReadJsonAsync(response, path, cancellationToken))["metrics"]?.AsArray() ?? [];
        return metrics.Select(metric => metric!["value"]!.GetValue<double>()).ToList();
    }

    public async Task UploadArtifactAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Put, Artifacts + path, () => new ByteArrayContent(content) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } }, cancellationToken);
        await EnsureSuccessAsync(response, Artifacts + path, cancellationToken);
    }

    public async Task<byte[]> DownloadArtifactAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, Artifacts + path, null, cancellationToken);
        await EnsureSuccessAsync(response, Artifacts + path, cancellationToken);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    public Task DeleteRunAsync(string runId, CancellationToken cancellationToken) =>
        PostAsync("runs/delete", new JsonObject { ["run_id"] = runId }, cancellationToken);

    private static Func<HttpContent> Json(JsonObject body)
    {
        var text = body.ToJsonString();
        return () => new StringContent(text, Encoding.UTF8, "application/json");
    }

    private static string Text(JsonNode node, string property) =>
        node[property]?.GetValue<string>() ?? throw new InvalidDataException($"MLflow answered without '{property}'.");

    private async Task<JsonNode> PostAsync(string method, JsonObject body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, Api + method, Json(body), cancellationToken);
        return await ReadJsonAsync(response, Api + method, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, Func<HttpContent>? content, CancellationToken cancellationToken)
    {
        var request = $"{method} /{path.Split('?')[0]}";
        try
        {
            return await _retry.ExecuteAsync(
                async token =>
                {
                    using var message = new HttpRequestMessage(method, path) { Content = content?.Invoke() };
                    message.Headers.Host = HostHeader;
                    return await _http.SendAsync(message, token);
                },
                cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            // A TLS failure says why only in its inner exception ("...certificate chain: UntrustedRoot").
            var detail = exception.InnerException is { } cause && exception.HttpRequestError == HttpRequestError.SecureConnectionError ? $"{exception.Message} {cause.Message}" : exception.Message;
            throw new MlflowApiException(request, detail, exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MlflowApiException(request, $"no answer within {_http.Timeout.TotalSeconds:0} s", exception);
        }
    }

    private static async Task<JsonNode> ReadJsonAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, path, cancellationToken);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) ?? new JsonObject();
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var (errorCode, message) = ParseError(body);
        var detail = message ?? (body.Length > DetailLength ? body[..DetailLength] + "…" : body).Trim();
        throw new MlflowApiException($"{response.RequestMessage!.Method} /{path.Split('?')[0]}", response.StatusCode, errorCode, detail.Length > 0 ? detail : "(empty body)");
    }

    // HttpClient buffers whole responses, so the body can be read here and again when reporting the error.
    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        ParseError(await response.Content.ReadAsStringAsync(cancellationToken)).ErrorCode;

    private static (string? ErrorCode, string? Message) ParseError(string body)
    {
        try
        {
            return JsonNode.Parse(body) is JsonObject error
                ? (error["error_code"]?.GetValue<string>(), error["message"]?.GetValue<string>())
                : (null, null);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException)
        {
            return (null, null);
        }
    }
}
