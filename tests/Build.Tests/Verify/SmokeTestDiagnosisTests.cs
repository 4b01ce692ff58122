using System.Net;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Rendering;
using MlflowGke.Build.Verify;

namespace MlflowGke.Build.Tests.Verify;

/// <summary>Causes the fake server does not produce, checked on the diagnosis alone.</summary>
public sealed class SmokeTestDiagnosisTests
{
    private static readonly SmokeTestDiagnosis Diagnosis = new(new DiagnosisFacts(
        "svc/mlflow in namespace ml", ThroughPortForward: true, "localhost:5000", "ml", InClusterTopology().DatabaseCheck, "my-bucket", "mlflow-sa@my-project-1.iam.gserviceaccount.com"));

    [Test]
    public void Workload_identity_failure_names_the_annotation_and_the_binding()
    {
        var error = new MlflowApiException("PUT /api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/verify.txt", HttpStatusCode.InternalServerError, "INTERNAL_ERROR",
            "Unable to generate access token; IAM returned 403 Forbidden: Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).");

        var message = Diagnosis.Explain(SmokeStep.UploadArtifact, error).Message;

        Assert.Multiple(() =>
        {
            Assert.That(message, Does.Contain("could not get Google credentials through Workload Identity"));
            Assert.That(message, Does.Contain("iam.gke.io/gcp-service-account=mlflow-sa@my-project-1.iam.gserviceaccount.com (--target=Annotate)"));
            Assert.That(message, Does.Contain("roles/iam.workloadIdentityUser").And.Contain("--target=BindWorkloadIdentity"));
        });
    }

    [Test]
    public void Read_forbidden_asks_for_the_viewer_role()
    {
        var error = new MlflowApiException("GET /api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/verify.txt", HttpStatusCode.InternalServerError, null,
            "403 GET https://storage.googleapis.com/download/storage/v1/b/my-bucket/o/x?alt=media: does not have storage.objects.get access");

        Assert.That(Diagnosis.Explain(SmokeStep.ReadArtifact, error).Message, Does.Contain("refused to read the object: mlflow-sa@my-project-1.iam.gserviceaccount.com lacks roles/storage.objectViewer"));
    }

    [Test]
    public void A_bare_500_on_upload_still_points_at_the_bucket_and_the_logs()
    {
        var error = new MlflowApiException("PUT /api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/verify.txt", HttpStatusCode.InternalServerError, null, "Internal Server Error");

        var message = Diagnosis.Explain(SmokeStep.UploadArtifact, error).Message;

        Assert.Multiple(() =>
        {
            Assert.That(message, Does.Contain("the server failed to write the artifact in gs://my-bucket"));
            Assert.That(message, Does.Contain("kubectl logs deployment/mlflow --namespace ml"));
        });
    }

    [Test]
    public void Artifacts_not_served_says_to_start_with_serve_artifacts()
    {
        var error = new MlflowApiException("PUT /api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/verify.txt", HttpStatusCode.ServiceUnavailable, null,
            "Endpoint: /mlflow-artifacts/artifacts disabled due to the mlflow server running with `--no-serve-artifacts`. To enable artifacts server functionality, run `mlflow server` with `--serve-artifacts`");

        Assert.That(Diagnosis.Explain(SmokeStep.UploadArtifact, error).Message, Does.Contain("the server runs without --serve-artifacts"));
    }

    [Test]
    public void No_answer_through_the_port_forward_points_at_the_rollout()
    {
        var error = new MlflowApiException("GET /health", "Connection reset by peer", new HttpRequestException("Connection reset by peer"));

        var message = Diagnosis.Explain(SmokeStep.Health, error).Message;

        Assert.Multiple(() =>
        {
            Assert.That(message, Does.Contain("did not answer through the port-forward to svc/mlflow in namespace ml (Connection reset by peer)"));
            Assert.That(message, Does.Contain("kubectl rollout status deployment/mlflow --namespace ml"));
        });
    }

    [Test]
    public void In_cluster_database_failure_points_at_postgres()
    {
        var error = new MlflowApiException("POST /api/2.0/mlflow/runs/create", HttpStatusCode.InternalServerError, "INTERNAL_ERROR", "(psycopg2.errors.UndefinedTable) relation \"runs\" does not exist");

        Assert.That(Diagnosis.Explain(SmokeStep.CreateRun, error).Message, Does.Contain("kubectl get pods --selector app=postgres --namespace ml"));
    }

    private static Topology InClusterTopology() =>
        new(new RenderCase("in-cluster in namespace ml", new Dictionary<string, string>(RenderCase.InCluster.Values) { [SettingNames.Namespace] = "ml" }, RenderCase.InCluster.Image).Settings());
}
