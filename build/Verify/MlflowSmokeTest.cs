using System.Globalization;
using System.Text;
using Cake.Core.Diagnostics;

namespace MlflowGke.Build.Verify;

/// <summary>What the smoke test created; the run is deleted by the time this is returned.</summary>
public sealed record SmokeTestResult(string ExperimentId, string RunId, string ArtifactPath);

/// <summary>
/// The end-to-end check: health; an experiment (one fixed name, reused across runs); a run with a parameter and a
/// metric read back from the database; an artifact written through the server's proxied artifact API into the
/// bucket and read back; then the run is deleted. Each failure becomes a <see cref="VerifyFailedException"/>.
/// </summary>
public sealed class MlflowSmokeTest(IMlflowApi api, SmokeTestDiagnosis diagnosis, ICakeLog log, TimeProvider time)
{
    public const string ExperimentName = "mlflow-gke-deploy-verify";
    public const string ArtifactFile = "verify.txt";
    public const string ParameterKey = "verified_by";
    public const string ParameterValue = "mlflow-gke-deploy";
    public const string MetricKey = "smoke_test";
    public const double MetricValue = 1.0;

    public async Task<SmokeTestResult> RunAsync(CancellationToken cancellationToken)
    {
        var (status, body) = await Step(SmokeStep.Health, () => api.GetHealthAsync(cancellationToken));
        if (status != 200 || body != "OK")
        {
            throw diagnosis.HealthNotOk(status, body);
        }

        Passed(SmokeStep.Health, "OK");
        var experimentId = await Step(SmokeStep.Experiment, () => EnsureExperimentAsync(cancellationToken));
        var now = time.GetUtcNow();
        var run = await Step(SmokeStep.CreateRun, () => api.CreateRunAsync(experimentId, $"verify-{now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}", now, cancellationToken));
        Passed(SmokeStep.CreateRun, $"run {run.RunId} in experiment '{ExperimentName}' ({experimentId})");
        var artifactPath = $"{experimentId}/{run.RunId}/artifacts/{ArtifactFile}";
        try
        {
            await LogAndReadBackAsync(run, now, cancellationToken);
            await WriteAndReadBackAsync(artifactPath, Encoding.UTF8.GetBytes($"mlflow-gke-deploy verify: run {run.RunId} at {now:O}\n"), cancellationToken);
        }
        catch (VerifyFailedException)
        {
            await DeleteAfterFailureAsync(run.RunId);
            throw;
        }

        await Step(SmokeStep.DeleteRun, () => api.DeleteRunAsync(run.RunId, cancellationToken));
        Passed(SmokeStep.DeleteRun, run.RunId);
        return new SmokeTestResult(experimentId, run.RunId, artifactPath);
    }

    private async Task<string> EnsureExperimentAsync(CancellationToken cancellationToken)
    {
        var existing = await api.GetExperimentByNameAsync(ExperimentName, cancellationToken);
        if (existing is { IsDeleted: true })
        {
            await api.RestoreExperimentAsync(existing.ExperimentId, cancellationToken);
            Passed(SmokeStep.Experiment, $"restored the deleted experiment '{ExperimentName}' ({existing.ExperimentId})");
            return existing.ExperimentId;
        }

        if (existing != null)
        {
            Passed(SmokeStep.Experiment, $"'{ExperimentName}' exists ({existing.ExperimentId})");
            return existing.ExperimentId;
        }

        // Another Verify may create it between the lookup and the create; then the name is taken and the lookup answers.
        var created = await api.CreateExperimentAsync(ExperimentName, cancellationToken)
            ?? (await api.GetExperimentByNameAsync(ExperimentName, cancellationToken))?.ExperimentId
            ?? throw new InvalidDataException($"MLflow says experiment '{ExperimentName}' exists but does not find it by name.");
        Passed(SmokeStep.Experiment, $"created '{ExperimentName}' ({created})");
        return created;
    }

    private async Task LogAndReadBackAsync(MlflowRun run, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var data = await Step(SmokeStep.LogParameterAndMetric, async () =>
        {
            await api.LogParameterAsync(run.RunId, ParameterKey, ParameterValue, cancellationToken);
            await api.LogMetricAsync(run.RunId, MetricKey, MetricValue, now, cancellationToken);
            return (Run: await api.GetRunDataAsync(run.RunId, cancellationToken), History: await api.GetMetricHistoryAsync(run.RunId, MetricKey, cancellationToken));
        });
        if (data.Run.Parameters.GetValueOrDefault(ParameterKey) != ParameterValue)
        {
            throw diagnosis.RunDataMissing($"parameter {ParameterKey}");
        }

        if (data.Run.Metrics.GetValueOrDefault(MetricKey, double.NaN) is not MetricValue)
        {
            throw diagnosis.RunDataMissing($"metric {MetricKey}");
        }

        if (!data.History.SequenceEqual([MetricValue]))
        {
            throw diagnosis.MetricHistoryMissing(MetricKey, data.History);
        }

        Passed(SmokeStep.LogParameterAndMetric, $"{ParameterKey}={ParameterValue}, {MetricKey}={MetricValue.ToString(CultureInfo.InvariantCulture)}, read back from the database with the metric's history");
        if (!run.ArtifactUri.StartsWith("mlflow-artifacts:", StringComparison.Ordinal))
        {
            log.Warning(
                "  The run's artifact_uri is '{0}', not mlflow-artifacts:/…: clients log artifacts there directly and need their own storage credentials. "
                + "Start the server with --default-artifact-root mlflow-artifacts:/ (an experiment keeps the artifact location it was created with).",
                run.ArtifactUri);
        }
    }

    private async Task WriteAndReadBackAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        await Step(SmokeStep.UploadArtifact, () => api.UploadArtifactAsync(path, content, cancellationToken));
        Passed(SmokeStep.UploadArtifact, $"{path} ({content.Length} bytes)");
        var readBack = await Step(SmokeStep.ReadArtifact, () => api.DownloadArtifactAsync(path, cancellationToken));
        if (!readBack.AsSpan().SequenceEqual(content))
        {
            throw diagnosis.ArtifactMismatch(path, content.Length, readBack.Length);
        }

        Passed(SmokeStep.ReadArtifact, "identical to what was uploaded");
    }

    private async Task DeleteAfterFailureAsync(string runId)
    {
        // Best effort, so that failed checks leave no active runs behind; the first failure is the one to report.
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await api.DeleteRunAsync(runId, timeout.Token);
            log.Information("  Deleted run {0} after the failure.", runId);
        }
        catch (Exception exception) when (exception is MlflowApiException or OperationCanceledException)
        {
            log.Warning("  Could not delete run {0} after the failure: {1}", runId, exception.Message);
        }
    }

    private async Task<T> Step<T>(SmokeStep step, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (MlflowApiException exception)
        {
            throw diagnosis.Explain(step, exception);
        }
    }

    private Task Step(SmokeStep step, Func<Task> action) => Step(step, async () =>
    {
        await action();
        return true;
    });

    private void Passed(SmokeStep step, string detail) => log.Information("  ok  {0}: {1}", step.Describe(), detail);
}
