using Cake.Core.Diagnostics;
using Polly;
using Polly.Retry;

namespace MlflowGke.Build.Docker;

/// <summary>Capped exponential backoff with jitter for transient failures; anything else fails at once.</summary>
public sealed record RetryPolicy(int MaxRetries, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    /// <summary>For pushes: a registry restart or a network hiccup gets about half a minute to pass.</summary>
    public static RetryPolicy Push { get; } = new(5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));

    /// <summary>For registry reads: short, so an unreachable registry is reported within seconds.</summary>
    public static RetryPolicy Read { get; } = new(3, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(4));

    /// <summary>A pipeline that retries exceptions <paramref name="isTransient"/> accepts, logging each retry; <paramref name="onRetry"/> observes them.</summary>
    public ResiliencePipeline Create(string operation, Func<Exception, bool> isTransient, ICakeLog log, Action<int>? onRetry = null) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(isTransient),
                MaxRetryAttempts = MaxRetries,
                Delay = BaseDelay,
                MaxDelay = MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = arguments =>
                {
                    log.Warning("{0} failed (attempt {1} of {2}), retrying in {3:0.0} s: {4}", operation, arguments.AttemptNumber + 1, MaxRetries + 1, arguments.RetryDelay.TotalSeconds, arguments.Outcome.Exception?.Message ?? "unknown error");
                    onRetry?.Invoke(arguments.AttemptNumber + 1);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
}
