using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// What a team using the seed guide's MLflow has in its database: an experiment, a run with parameters, tags and a
/// metric history over several steps, and a registered model. Written and read through the tracking REST API (the
/// 2.0 paths both MLflow 2.4 and 3.x serve), so the same code writes with one release and reads with the other.
/// </summary>
public sealed record SeedGuideRecords(
    string ExperimentName,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyDictionary<string, string> Tags,
    string MetricKey,
    IReadOnlyList<(long Step, double Value)> MetricHistory,
    string ModelName,
    string ModelDescription)
{
    public static SeedGuideRecords Sample { get; } = new(
        "seed-guide-training",
        new Dictionary<string, string>(StringComparer.Ordinal) { ["learning_rate"] = "0.01", ["epochs"] = "3", ["optimizer"] = "adam" },
        new Dictionary<string, string>(StringComparer.Ordinal) { ["team"] = "forecasting", ["dataset"] = "sales-2023" },
        "loss",
        [(0, 0.9), (1, 0.55), (2, 0.31)],
        "sales-forecaster",
        "trained with MLflow 2.4.0");

    /// <summary>Writes every record; returns the run's id.</summary>
    public async Task<string> WriteAsync(HttpClient api, CancellationToken cancellationToken)
    {
        var experiment = await PostAsync(api, "experiments/create", new JsonObject { ["name"] = ExperimentName }, cancellationToken);
        var run = await PostAsync(api, "runs/create", new JsonObject { ["experiment_id"] = experiment["experiment_id"]!.DeepClone(), ["start_time"] = 1_700_000_000_000 }, cancellationToken);
        var runId = run["run"]!["info"]!["run_id"]!.GetValue<string>();
        foreach (var (key, value) in Parameters)
        {
            await PostAsync(api, "runs/log-parameter", new JsonObject { ["run_id"] = runId, ["key"] = key, ["value"] = value }, cancellationToken);
        }

        foreach (var (key, value) in Tags)
        {
            await PostAsync(api, "runs/set-tag", new JsonObject { ["run_id"] = runId, ["key"] = key, ["value"] = value }, cancellationToken);
        }

        foreach (var (step, value) in MetricHistory)
        {
            await PostAsync(api, "runs/log-metric", new JsonObject { ["run_id"] = runId, ["key"] = MetricKey, ["value"] = value, ["step"] = step, ["timestamp"] = 1_700_000_000_000 + step }, cancellationToken);
        }

        await PostAsync(api, "registered-models/create", new JsonObject { ["name"] = ModelName, ["description"] = ModelDescription }, cancellationToken);
        return runId;
    }

    /// <summary>Reads the same records back from the server behind <paramref name="api"/>.</summary>
    public static async Task<SeedGuideRecords> ReadAsync(HttpClient api, string runId, CancellationToken cancellationToken)
    {
        var run = (await GetAsync(api, $"runs/get?run_id={runId}", cancellationToken))["run"]!;
        var experiment = await GetAsync(api, $"experiments/get?experiment_id={run["info"]!["experiment_id"]}", cancellationToken);
        var history = await GetAsync(api, $"metrics/get-history?run_id={runId}&metric_key={Sample.MetricKey}&max_results=1000", cancellationToken);
        var model = (await GetAsync(api, $"registered-models/get?name={Sample.ModelName}", cancellationToken))["registered_model"]!;
        return new SeedGuideRecords(
            experiment["experiment"]!["name"]!.GetValue<string>(),
            KeyValues(run["data"]!["params"]),
            KeyValues(run["data"]!["tags"], key => !key.StartsWith("mlflow.", StringComparison.Ordinal)),
            Sample.MetricKey,
            [.. history["metrics"]!.AsArray().Select(metric => (metric!["step"]?.GetValue<long>() ?? 0, metric["value"]!.GetValue<double>())).OrderBy(point => point.Item1)],
            model["name"]!.GetValue<string>(),
            model["description"]?.GetValue<string>() ?? string.Empty);
    }

    private static Dictionary<string, string> KeyValues(JsonNode? pairs, Func<string, bool>? include = null) =>
        (pairs?.AsArray() ?? [])
            .Select(pair => (Key: pair!["key"]!.GetValue<string>(), Value: pair["value"]!.GetValue<string>()))
            .Where(pair => include?.Invoke(pair.Key) ?? true)
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);

    private static async Task<JsonNode> PostAsync(HttpClient api, string path, JsonObject body, CancellationToken cancellationToken)
    {
        using var response = await api.PostAsJsonAsync($"api/2.0/mlflow/{path}", body, cancellationToken);
        return await ReadAsync(response, path, cancellationToken);
    }

    private static async Task<JsonNode> GetAsync(HttpClient api, string path, CancellationToken cancellationToken)
    {
        using var response = await api.GetAsync($"api/2.0/mlflow/{path}", cancellationToken);
        return await ReadAsync(response, path, cancellationToken);
    }

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode ? JsonNode.Parse(text)! : throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}: {text}");
    }
}
