using System.Net;
using Polly;
using Polly.Retry;

namespace MlflowGke.Build.Google;

/// <summary>
/// How long the Google steps wait, all derived from one first delay so tests can shrink every wait at once.
/// Transient errors (429, 5xx) back off exponentially with jitter up to <see cref="MaxDelay"/>; the
/// eventual-consistency window after creating a service account and Cloud SQL operations have their own bounds.
/// </summary>
public sealed record GoogleRetryOptions(TimeSpan FirstDelay)
{
    private const int MaxDelayFactor = 30;

    /// <summary>Polly refuses a MaxDelay over one day (the [Range] on RetryStrategyOptions.MaxDelay), so the first delay stays within a day / 30.</summary>
    public static TimeSpan LongestFirstDelay { get; } = TimeSpan.FromDays(1) / MaxDelayFactor;

    public TimeSpan MaxDelay => FirstDelay * MaxDelayFactor;

    public int TransientRetries => 6;

    /// <summary>How many times a read-modify-write restarts after a stale etag before giving up.</summary>
    public int EtagConflictRetries => 10;

    /// <summary>How long a new service account may stay invisible to IAM reads and policy writes.</summary>
    public TimeSpan PropagationWindow => FirstDelay * 120;

    /// <summary>How long a Cloud SQL operation (or a queue of them on the instance) may take.</summary>
    public TimeSpan OperationTimeout => FirstDelay * 600;
}

/// <summary>The suite's Polly pipelines for Google APIs.</summary>
public sealed class GoogleRetry(GoogleRetryOptions options)
{
    private static readonly HttpStatusCode[] TransientStatusCodes =
        [HttpStatusCode.TooManyRequests, HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout];

    public GoogleRetryOptions Options { get; } = options;

    /// <summary>429 and 5xx answers and connection failures, retried; the last answer is returned when retries run out.</summary>
    public ResiliencePipeline<HttpResponseMessage> Transient { get; } = new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .HandleResult(response => TransientStatusCodes.Contains(response.StatusCode))
                .Handle<HttpRequestException>()
                .Handle<TaskCanceledException>(exception => exception.InnerException is TimeoutException),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.FirstDelay,
            MaxDelay = options.MaxDelay,
            MaxRetryAttempts = options.TransientRetries,
            DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, options.MaxDelay)),
            OnRetry = args =>
            {
                args.Outcome.Result?.Dispose();
                return ValueTask.CompletedTask;
            },
        })
        .Build();

    /// <summary>A server's Retry-After wins over the computed backoff, within the cap.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan cap) =>
        response?.Headers.RetryAfter?.Delta is { } delta ? TimeSpan.FromTicks(Math.Min(delta.Ticks, cap.Ticks)) : null;

    public static bool IsTransient(HttpStatusCode statusCode) => TransientStatusCodes.Contains(statusCode);

    /// <summary>
    /// Runs <paramref name="action"/>, retrying the errors <paramref name="isRetryable"/> accepts until
    /// <paramref name="window"/> (if any) has passed or <paramref name="maxRetries"/> retries were made; then the last error propagates.
    /// </summary>
    public async Task<T> RetryAsync<T>(TimeSpan? window, int maxRetries, Func<GoogleApiException, bool> isRetryable, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var deadline = window.HasValue ? DateTimeOffset.UtcNow + window.Value : DateTimeOffset.MaxValue;
        var pipeline = new ResiliencePipelineBuilder<T>()
            .AddRetry(new RetryStrategyOptions<T>
            {
                ShouldHandle = new PredicateBuilder<T>().Handle<GoogleApiException>(exception => isRetryable(exception) && DateTimeOffset.UtcNow < deadline),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = Options.FirstDelay,
                MaxDelay = Options.MaxDelay,
                MaxRetryAttempts = maxRetries,
            })
            .Build();
        return await pipeline.ExecuteAsync(async token => await action(token), cancellationToken);
    }

    /// <summary>Polls until <paramref name="isDone"/> holds for the read value; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<T> PollAsync<T>(TimeSpan timeout, string what, Func<CancellationToken, Task<T>> read, Func<T, bool> isDone, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var pipeline = new ResiliencePipelineBuilder<T>()
            .AddRetry(new RetryStrategyOptions<T>
            {
                ShouldHandle = new PredicateBuilder<T>().HandleResult(value => !isDone(value) && DateTimeOffset.UtcNow < deadline),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = Options.FirstDelay,
                MaxDelay = Options.FirstDelay * 5,
                MaxRetryAttempts = int.MaxValue,
            })
            .Build();
        var value = await pipeline.ExecuteAsync(async token => await read(token), cancellationToken);
        return isDone(value) ? value : throw new TimeoutException($"Gave up waiting after {timeout}: {what}.");
    }
}
