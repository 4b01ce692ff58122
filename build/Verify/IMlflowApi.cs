namespace MlflowGke.Build.Verify;

/// <summary>The part of MLflow's REST API (2.0) that the smoke test uses.</summary>
public interface IMlflowApi
{
    /// <summary>The server's address, for messages.</summary>
    Uri BaseAddress { get; }

    /// <summary>The Host header the requests carry, which MLflow ≥3.5 checks against its allowed hosts.</summary>
    string HostHeader { get; }

    /// <summary><c>GET /health</c>: the status code and body.</summary>
    Task<(int StatusCode, string Body)> GetHealthAsync(CancellationToken cancellationToken);

    /// <summary><c>GET experiments/get-by-name</c>; null when no experiment has that name.</summary>
    Task<MlflowExperiment?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken);

    /// <summary><c>POST experiments/create</c>; null when the name is already taken (RESOURCE_ALREADY_EXISTS).</summary>
    Task<string?> CreateExperimentAsync(string name, CancellationToken cancellationToken);

    Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken);

    Task<MlflowRun> CreateRunAsync(string experimentId, string runName, DateTimeOffset startTime, CancellationToken cancellationToken);

    Task LogParameterAsync(string runId, string key, string value, CancellationToken cancellationToken);

    Task LogMetricAsync(string runId, string key, double value, DateTimeOffset timestamp, CancellationToken cancellationToken);

    Task<MlflowRunData> GetRunDataAsync(string runId, CancellationToken cancellationToken);

    /// <summary><c>GET metrics/get-history</c>: every value logged for the metric, oldest first.</summary>
    Task<IReadOnlyList<double>> GetMetricHistoryAsync(string runId, string metricKey, CancellationToken cancellationToken);

    /// <summary><c>PUT mlflow-artifacts/artifacts/PATH</c>: the server writes to its artifact destination (the bucket).</summary>
    Task UploadArtifactAsync(string path, byte[] content, CancellationToken cancellationToken);

    Task<byte[]> DownloadArtifactAsync(string path, CancellationToken cancellationToken);

    Task DeleteRunAsync(string runId, CancellationToken cancellationToken);
}

public sealed record MlflowExperiment(string ExperimentId, string Name, string LifecycleStage)
{
    public bool IsDeleted => LifecycleStage == "deleted";
}

public sealed record MlflowRun(string RunId, string ExperimentId, string ArtifactUri);

/// <summary>A run's logged parameters and latest metric values, as the server stored them.</summary>
public sealed record MlflowRunData(IReadOnlyDictionary<string, string> Parameters, IReadOnlyDictionary<string, double> Metrics);
