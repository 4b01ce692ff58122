using System.Net.Http.Headers;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Verify;

namespace MlflowGke.Build.Tasks;

[TaskName("Verify")]
[TaskDescription("Smoke-tests MLflow end to end: health, logged in (AUTH=basic: MLflow's login; AUTH=iap: a Google ID token for IAP), an experiment and a run with a parameter and a metric, an artifact written to the bucket through the server and read back; then deletes the run; a call without credentials must be refused.")]
[RequiresSettings(SettingNames.KubeContext, UnlessSet = SettingNames.MlflowUrl)]
[RequiresSettings(SettingNames.IapClientId, OnlyWhen = $"{SettingNames.Auth}=iap")]
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
        http.DefaultRequestHeaders.Authorization = await AuthorizationAsync(context, cancellation.Token);
        var diagnosis = new SmokeTestDiagnosis(DiagnosisFactsFor(settings, context.Topology, endpoint));
        var result = await new MlflowSmokeTest(new MlflowRestClient(http, endpoint.HostHeader), diagnosis, context.Log, TimeProvider.System)
            .RunAsync(cancellation.Token);
        if (context.Topology.Auth != AuthMode.None)
        {
            // A redirect to Google's sign-in is IAP's refusal: it is not followed.
            using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = endpoint.BaseAddress, Timeout = RequestTimeout };
            var refusal = await AnonymousAccessCheck.EnsureRefusedAsync(anonymous, endpoint.HostHeader, context.Topology.Auth, cancellation.Token);
            context.Log.Information("MLflow refuses the tracking API without credentials ({0}).", refusal);
        }

        context.Log.Information("MLflow works end to end: run {0} in experiment {1} logged, stored {2} in the bucket, read it back, and was deleted.", result.RunId, result.ExperimentId, result.ArtifactPath);
    }

    /// <summary>Basic: MLflow's login; IAP: a Google ID token for the OAuth client; none: no credentials.</summary>
    private static async Task<AuthenticationHeaderValue?> AuthorizationAsync(BuildContext context, CancellationToken cancellationToken) => context.Topology.Auth switch
    {
        AuthMode.Basic => (await LoginAsync(context, cancellationToken)).Authorization(),
        AuthMode.Iap => new AuthenticationHeaderValue("Bearer", await context.GoogleIdToken.GetAsync(context.Settings.IapClientId, cancellationToken)),
        _ => null,
    };

    /// <summary>MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD when both are set, else the admin from the Secret mlflow-auth.</summary>
    private static async Task<MlflowCredentials> LoginAsync(BuildContext context, CancellationToken cancellationToken) =>
        context.Settings is { MlflowTrackingUsername: { } username, MlflowTrackingPassword: { } password }
            ? new MlflowCredentials(username, password)
            : await context.Kubernetes.Auth.ReadAdminAsync(cancellationToken)
                ?? throw new VerifyFailedException($"AUTH=basic, but the Secret {context.Settings.Namespace}/{AuthCredentials.SecretName} that holds the admin's login does not exist: run Apply, or set {SettingNames.MlflowTrackingUsername} and {SettingNames.MlflowTrackingPassword}.");

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
