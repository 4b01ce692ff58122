using System.Net;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Verify;

/// <summary>What the diagnosis may name: how the server was reached and the settings behind the deployment.</summary>
/// <param name="Server">The server, as the user knows it: the URL, or svc/mlflow through the port-forward.</param>
/// <param name="ThroughPortForward">True when reached through kubectl port-forward rather than MLFLOW_URL.</param>
/// <param name="HostHeader">The Host header the requests carried.</param>
/// <param name="Bucket">The artifact bucket, when BUCKET_NAME_MLFLOW is set.</param>
/// <param name="ServiceAccountEmail">MLflow's Google service account, when MLFLOW_SERVICE_ACCOUNT_ID and PROJECT_ID are set.</param>
/// <param name="DatabaseCheck">What to look at when the database fails (<see cref="Topology.DatabaseCheck"/>).</param>
public sealed record DiagnosisFacts(string Server, bool ThroughPortForward, string HostHeader, string Namespace, string DatabaseCheck, string? Bucket, string? ServiceAccountEmail);

/// <summary>Turns a failed step into words a user can act on: the likely cause, and the setting, command or target that fixes it.</summary>
public sealed class SmokeTestDiagnosis(DiagnosisFacts facts)
{
    private string Bucket => facts.Bucket is { } bucket ? $"gs://{bucket}" : $"the bucket in {SettingNames.BucketNameMlflow}";

    private string ServiceAccount => facts.ServiceAccountEmail ?? $"the Google service account {SettingNames.MlflowServiceAccountId}";

    private string MlflowLogs => $"kubectl logs deployment/mlflow --namespace {facts.Namespace}";

    public VerifyFailedException Explain(SmokeStep step, MlflowApiException error) =>
        new($"Verify failed while {step.Describe()}: {Cause(step, error)}{Environment.NewLine}  The server's answer: {error.Message}", error);

    public VerifyFailedException HealthNotOk(int statusCode, string body) =>
        new($"Verify failed while {SmokeStep.Health.Describe()}: GET /health answered {statusCode} '{Shorten(body)}' instead of 200 'OK', so {facts.Server} is not a healthy MLflow server. "
            + (facts.ThroughPortForward
                ? $"Run --target=WaitReady, and read {MlflowLogs}."
                : $"Check that {SettingNames.MlflowUrl} points at the MLflow server itself (not an ingress default backend or another service), and run --target=WaitReady."));

    public VerifyFailedException ArtifactMismatch(string path, int uploaded, int readBack) =>
        new($"Verify failed while {SmokeStep.ReadArtifact.Describe()}: {path} came back with {readBack} bytes that differ from the {uploaded} bytes uploaded. "
            + $"Something between the server and {Bucket} rewrites objects, or the server reads from another artifact destination than it writes to; compare ARTIFACTS_DESTINATION in the mlflow-config ConfigMap with {Bucket}.");

    public VerifyFailedException RunDataMissing(string what) =>
        new($"Verify failed while {SmokeStep.LogParameterAndMetric.Describe()}: the server accepted the {what} but runs/get does not return it, so the tracking database did not store it. Read {MlflowLogs}.");

    public VerifyFailedException MetricHistoryMissing(string key, IReadOnlyList<double> history) =>
        new($"Verify failed while {SmokeStep.LogParameterAndMetric.Describe()}: runs/get returns the metric {key} but metrics/get-history answers "
            + $"[{string.Join(", ", history.Select(value => value.ToString(System.Globalization.CultureInfo.InvariantCulture)))}] instead of its one logged value. Read {MlflowLogs}.");

    private static bool Mentions(MlflowApiException error, params string[] words) =>
        words.Any(word => error.Detail.Contains(word, StringComparison.OrdinalIgnoreCase));

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "…" : text;

    private static bool IsArtifactStep(SmokeStep step) => step is SmokeStep.UploadArtifact or SmokeStep.ReadArtifact;

    private string Cause(SmokeStep step, MlflowApiException error) => error switch
    {
        { IsTlsFailure: true } => TlsFailed(error),
        { IsUnreachable: true } => Unreachable(error),
        { StatusCode: HttpStatusCode.Forbidden } when Mentions(error, "Invalid Host header", "DNS rebinding") => HostNotAllowed(),
        _ when IsArtifactStep(step) => ArtifactCause(step, error),
        { StatusCode: HttpStatusCode.InternalServerError or HttpStatusCode.ServiceUnavailable } => DatabaseCause(),
        { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } =>
            $"{facts.Server} refused the request as unauthorised. Verify sends no credentials: point {SettingNames.MlflowUrl} at an address without an authenticating proxy, or leave it unset to go through kubectl port-forward.",
        { StatusCode: HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed } =>
            $"{facts.Server} does not serve MLflow's REST API (/api/2.0/mlflow). Check that it is the MLflow tracking server, including any path prefix in {SettingNames.MlflowUrl}.",
        _ => $"MLflow rejected the request. Read {MlflowLogs}.",
    };

    private string Unreachable(MlflowApiException error) => facts.ThroughPortForward
        ? $"the MLflow server did not answer through the port-forward to {facts.Server} ({error.Detail}). Make sure the rollout is ready (--target=WaitReady, or kubectl rollout status deployment/mlflow --namespace {facts.Namespace}) and read {MlflowLogs}."
        : $"the MLflow server at {facts.Server} is not reachable ({error.Detail}). Check {SettingNames.MlflowUrl} and that the server is exposed to this machine, or leave {SettingNames.MlflowUrl} unset to reach svc/mlflow through kubectl port-forward; right after a deploy, run --target=WaitReady first.";

    private string TlsFailed(MlflowApiException error) =>
        $"the TLS handshake with {facts.Server} failed ({error.Detail}). Behind the Ingress (EXPOSE=ingress) HTTPS works only once the Google-managed certificate is Active, "
        + $"which needs the DNS A record of {SettingNames.MlflowHostname} to point at the Ingress's address: run --target=Doctor, and see kubectl describe managedcertificate mlflow --namespace {facts.Namespace}. "
        + "Otherwise this machine does not trust the server's certificate: add its CA to the system's trust store (or SSL_CERT_FILE).";

    private string HostNotAllowed() =>
        $"MLflow refused the Host header '{facts.HostHeader}' (MLflow 3.5 and later reject Host headers not in --allowed-hosts, against DNS rebinding). "
        + $"Add '{facts.HostHeader}' to ALLOWED_HOSTS in the mlflow-config ConfigMap (patterns such as '{HostName(facts.HostHeader)}:*' cover every port), then run --target=Apply.";

    private static string HostName(string hostHeader) => hostHeader.LastIndexOf(':') is var colon and > 0 && !hostHeader.EndsWith(']') ? hostHeader[..colon] : hostHeader;

    private string ArtifactCause(SmokeStep step, MlflowApiException error)
    {
        var write = step == SmokeStep.UploadArtifact;
        var (verb, roles) = write
            ? ("write", "roles/storage.objectAdmin (or roles/storage.objectCreator and roles/storage.objectViewer)")
            : ("read", "roles/storage.objectViewer (roles/storage.objectAdmin covers it)");
        var grant = $"gcloud storage buckets add-iam-policy-binding {(facts.Bucket is { } bucket ? $"gs://{bucket}" : "gs://BUCKET")} --member=serviceAccount:{facts.ServiceAccountEmail ?? "EMAIL"} --role=roles/storage.objectAdmin";
        return error switch
        {
            { StatusCode: HttpStatusCode.ServiceUnavailable } when Mentions(error, "serve-artifacts") =>
                "the server runs without --serve-artifacts, so it does not proxy artifacts and every client would need its own bucket credentials. Start it with --serve-artifacts --artifacts-destination gs://BUCKET/... (the deployment/ manifests do).",
            _ when Mentions(error, "getAccessToken", "Workload Identity", "metadata.google.internal", "compute engine metadata") =>
                $"the mlflow pods could not get Google credentials through Workload Identity. The Kubernetes service account mlflow in namespace {facts.Namespace} must carry iam.gke.io/gcp-service-account={facts.ServiceAccountEmail ?? "EMAIL"} (--target=Annotate), and {ServiceAccount} must grant roles/iam.workloadIdentityUser to it (--target=BindWorkloadIdentity); restart the mlflow pods afterwards.",
            _ when Mentions(error, "403", "Forbidden", "storage.objects", "AccessDenied") =>
                $"Google Cloud Storage refused to {verb} the object: {ServiceAccount} lacks {roles} on {Bucket}. Grant it, for example: {grant}",
            _ when Mentions(error, "bucket does not exist", "NoSuchBucket") =>
                $"the server's artifact bucket does not exist. Create {Bucket}, or correct ARTIFACTS_DESTINATION in the mlflow-config ConfigMap and run --target=Apply.",
            { StatusCode: HttpStatusCode.InternalServerError } =>
                $"the server failed to {verb} the artifact in {Bucket}. The usual causes are bucket permissions ({ServiceAccount} needs {roles}; {grant}) and Workload Identity (--target=BindWorkloadIdentity and --target=Annotate); {MlflowLogs} names the Google error.",
            _ => $"the artifact API rejected the request. Read {MlflowLogs}.",
        };
    }

    private string DatabaseCause() =>
        $"the server failed on a tracking call, which stores into its database. {facts.DatabaseCheck}; {MlflowLogs} names the database error.";
}
