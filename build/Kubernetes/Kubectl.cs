using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Polly;
using Polly.Retry;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The suite's door to the cluster: kubectl for rendering, diffs and writes, and reads straight from the API server.
/// Implementations retry transient API errors and redact secrets.
/// </summary>
public interface IKubectl
{
    string Context { get; }

    string Namespace { get; }

    /// <summary>The object, or null when it does not exist.</summary>
    Task<JsonObject?> GetAsync(string resource, string name, CancellationToken cancellationToken);

    /// <summary>Items of one or more resource types (comma-separated) in the namespace that match the label selector.</summary>
    Task<IReadOnlyList<JsonObject>> ListAsync(string resources, string? labelSelector, CancellationToken cancellationToken, string? fieldSelector = null);

    /// <summary>A container's log, secrets masked: exit code 0 and the text, or 1 and why there is none, as kubectl logs answers.</summary>
    Task<KubectlResult> LogsAsync(string pod, CancellationToken cancellationToken, string? container = null, int? tailLines = null, bool previous = false);

    /// <summary>Runs kubectl; throws <see cref="KubectlException"/> unless the exit code is 0 or one of <paramref name="acceptedExitCodes"/>.</summary>
    Task<KubectlResult> RunAsync(ProcessArgumentBuilder arguments, string? standardInput = null, int[]? acceptedExitCodes = null, CancellationToken cancellationToken = default);

    /// <summary>Masks <paramref name="secret"/> in every output and error from now on.</summary>
    void AddSecret(string secret);
}

/// <summary>
/// Retries what heals by itself (connection refused, 429, 5xx, timeouts) with capped exponential backoff and
/// jitter, then fails with the last error and the fix; everything else fails at once. Reads go to the API server
/// in the process (<see cref="KubeApi"/>), so only rendering, diffs and writes start kubectl.
/// </summary>
public sealed class Kubectl : IKubectl
{
    private readonly KubectlTool _tool;
    private readonly KubectlSettings _settings;
    private readonly Lazy<KubeApi> _api;
    private readonly ICakeLog _log;
    private readonly ResiliencePipeline _retry;
    private readonly int _maxRetries;
    private readonly HashSet<string> _secrets = [];

    public Kubectl(KubectlTool tool, KubectlSettings settings, Lazy<KubeApi> api, ICakeLog log, KubectlRetry? retry = null)
    {
        _tool = tool;
        _settings = settings;
        _api = api;
        _log = log;
        retry ??= KubectlRetry.Default;
        _maxRetries = retry.MaxRetries;
        var options = new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<KubectlException>(exception => exception.IsTransient),
            OnRetry = arguments =>
            {
                _log.Warning("kubectl: {0} Retry {1} of {2} in {3:0.0}s.", arguments.Outcome.Exception?.Message, arguments.AttemptNumber + 1, retry.MaxRetries, arguments.RetryDelay.TotalSeconds);
                return ValueTask.CompletedTask;
            },
        };
        retry.Configure(options);
        _retry = new ResiliencePipelineBuilder().AddRetry(options).Build();
    }

    public string Context => _settings.Context;

    public string Namespace => _settings.Namespace;

    public void AddSecret(string secret) => _secrets.Add(secret);

    public Task<JsonObject?> GetAsync(string resource, string name, CancellationToken cancellationToken) =>
        _api.Value.GetAsync(resource, name, cancellationToken);

    public Task<IReadOnlyList<JsonObject>> ListAsync(string resources, string? labelSelector, CancellationToken cancellationToken, string? fieldSelector = null) =>
        _api.Value.ListAsync(resources, labelSelector, fieldSelector, cancellationToken);

    public async Task<KubectlResult> LogsAsync(string pod, CancellationToken cancellationToken, string? container = null, int? tailLines = null, bool previous = false)
    {
        var logs = await _api.Value.LogsAsync(pod, container, tailLines, previous, cancellationToken);
        return logs with { Output = Redact(logs.Output), Error = Redact(logs.Error) };
    }

    public async Task<KubectlResult> RunAsync(ProcessArgumentBuilder arguments, string? standardInput = null, int[]? acceptedExitCodes = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _retry.ExecuteAsync(
                async token =>
                {
                    var raw = await Task.Run(() => _tool.Run(_settings, arguments, standardInput, token), token);
                    var result = raw with { Output = Redact(raw.Output), Error = Redact(raw.Error) };
                    if (result.ExitCode != 0 && acceptedExitCodes?.Contains(result.ExitCode) != true)
                    {
                        throw new KubectlException($"kubectl {arguments.RenderSafe()} failed with exit code {result.ExitCode}: {result.Error.Trim()}", result);
                    }

                    return result;
                },
                cancellationToken);
        }
        catch (KubectlException exception) when (exception.IsTransient)
        {
            throw new KubectlException(
                $"kubectl {arguments.RenderSafe()} kept failing after {_maxRetries + 1} attempts: {exception.Result.Error.Trim()} "
                + $"The API server of kube context '{Context}' is unreachable or overloaded; check `kubectl --context {Context} cluster-info` and run the step again.",
                exception.Result);
        }
    }

    private string Redact(string text) => _secrets.Aggregate(text, (current, secret) => current.Replace(secret, "[REDACTED]", StringComparison.Ordinal));
}

/// <summary>How transient kubectl failures are retried.</summary>
public sealed record KubectlRetry(int MaxRetries, TimeSpan FirstDelay, TimeSpan MaxDelay)
{
    public static KubectlRetry Default { get; } = new(5, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(8));

    /// <summary>Sets these limits on <paramref name="options"/>: capped exponential backoff with jitter.</summary>
    public void Configure<TResult>(RetryStrategyOptions<TResult> options)
    {
        options.MaxRetryAttempts = MaxRetries;
        options.BackoffType = DelayBackoffType.Exponential;
        options.UseJitter = true;
        options.Delay = FirstDelay;
        options.MaxDelay = MaxDelay;
    }
}

public sealed class KubectlException : Exception
{
    // Phrases kubectl prints for failures that heal by themselves: network, throttling, 5xx.
    private static readonly string[] TransientMarkers =
    [
        "connection refused",
        "connection reset by peer",
        "i/o timeout",
        "TLS handshake timeout",
        "context deadline exceeded",
        "unexpected EOF",
        "(ServiceUnavailable)",
        "(TooManyRequests)",
        "(InternalError)",
        "(Timeout)",
        "the server is currently unable to handle the request",
        "has prevented the request from succeeding",
        "Client.Timeout exceeded",
    ];

    public KubectlException(string message, KubectlResult result)
        : base(message)
    {
        Result = result;
    }

    public KubectlResult Result { get; }

    public bool IsTransient => TransientMarkers.Any(marker => Result.Error.Contains(marker, StringComparison.OrdinalIgnoreCase));

    public bool IsAlreadyExists => Result.Error.Contains("(AlreadyExists)", StringComparison.Ordinal);

    /// <summary>A write carrying a resourceVersion that is no longer the live one (optimistic concurrency lost).</summary>
    public bool IsConflict => Result.Error.Contains("(Conflict)", StringComparison.Ordinal);
}
