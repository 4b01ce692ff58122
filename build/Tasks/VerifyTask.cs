using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Verify;

namespace MlflowGke.Build.Tasks;

[TaskName("Verify")]
[TaskDescription("Smoke-tests MLflow end to end: health, an experiment and a run with a parameter and a metric, an artifact written to the bucket through the server and read back; then deletes the run.")]
[RequiresSettings(SettingNames.KubeContext, UnlessSet = SettingNames.MlflowUrl)]
public sealed class VerifyTask : AsyncFrostingTask<BuildContext>
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public override bool ShouldRun(BuildContext context) =>
        context.UnlessPlan($"run the smoke test (create and delete a run in experiment '{MlflowSmokeTest.ExperimentName}') against {context.Settings.MlflowUrl?.ToString() ?? "svc/mlflow through kubectl port-forward"}");

    public override async Task RunAsync(BuildContext context)
    {
        var settings = context.Settings;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation);
        cancellation.CancelAfter(TimeSpan.FromMinutes(5));
        await using var endpoint = await MlflowEndpoint.OpenAsync(settings.MlflowUrl, context.PortForward, settings.KubeContext, settings.Namespace, cancellation.Token);
        context.Log.Information("Verifying MLflow at {0}", endpoint.Description);
        using var http = new HttpClient { BaseAddress = endpoint.BaseAddress, Timeout = RequestTimeout };
        var diagnosis = new SmokeTestDiagnosis(DiagnosisFactsFor(settings, context.Topology, endpoint));
        var result = await new MlflowSmokeTest(new MlflowRestClient(http, endpoint.HostHeader), diagnosis, context.Log, TimeProvider.System)
            .RunAsync(cancellation.Token);
        context.Log.Information("MLflow works end to end: run {0} in experiment {1} logged, stored {2} in the bucket, read it back, and was deleted.", result.RunId, result.ExperimentId, result.ArtifactPath);
    }

    private static DiagnosisFacts DiagnosisFactsFor(DeploySettings settings, Topology topology, MlflowEndpoint endpoint) =>
        new(
            endpoint.Description,
            endpoint.ThroughPortForward,
            endpoint.HostHeader,
            settings.Namespace,
            topology.DatabaseCheck,
            settings.IsSet(SettingNames.BucketNameMlflow) ? settings.BucketName : null,
            settings.IsSet(SettingNames.MlflowServiceAccountId) && settings.IsSet(SettingNames.ProjectId) ? settings.MlflowServiceAccountEmail : null);
}
