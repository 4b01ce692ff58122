using System.Text;
using MlflowGke.Build.Tests.Fakes.Mlflow;
using MlflowGke.Build.Tests.Support;
using MlflowGke.Build.Verify;

namespace MlflowGke.Build.Tests.Verify;

public sealed class VerifyTaskTests
{
    private const string ServiceAccountEmail = "mlflow-sa@my-project-1.iam.gserviceaccount.com";

    private const string TrackingUser = "verifier";
    private const string TrackingPassword = "s3cret-Verify-pw";
    private const string IapIdToken = "eyJhbGciOiJSUzI1NiJ9.iap-audience-token.signature";

    private FakeMlflowServer _mlflow = null!;

    [SetUp]
    public async Task StartMlflow()
    {
        _mlflow = await FakeMlflowServer.StartAsync();
        _mlflow.BasicAuth = (TrackingUser, TrackingPassword);
    }

    [TearDown]
    public async Task StopMlflow() => await _mlflow.DisposeAsync();

    [Test]
    public async Task Smoke_test_passes_end_to_end_and_deletes_its_run()
    {
        var result = await VerifyAsync();

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString);
        var experiment = _mlflow.Experiment(MlflowSmokeTest.ExperimentName)!;
        var run = _mlflow.Runs.Single();
        var artifactPath = $"/api/2.0/mlflow-artifacts/artifacts/{experiment.Id}/{run.Id}/artifacts/{MlflowSmokeTest.ArtifactFile}";
        var requests = _mlflow.Requests;
        Assert.Multiple(() =>
        {
            Assert.That(requests.Select(request => request.ToString()), Is.EqualTo(new[]
            {
                "GET /health",
                "GET /api/2.0/mlflow/experiments/get-by-name",
                "POST /api/2.0/mlflow/experiments/create",
                "POST /api/2.0/mlflow/runs/create",
                "POST /api/2.0/mlflow/runs/log-parameter",
                "POST /api/2.0/mlflow/runs/log-metric",
                "GET /api/2.0/mlflow/runs/get",
                "GET /api/2.0/mlflow/metrics/get-history",
                $"PUT {artifactPath}",
                $"GET {artifactPath}",
                "POST /api/2.0/mlflow/runs/delete",
                "GET /api/2.0/mlflow/experiments/get-by-name",
            }));
            Assert.That(requests[1].Query, Is.EqualTo($"?experiment_name={MlflowSmokeTest.ExperimentName}"));
            Assert.That(requests[7].Query, Does.Contain($"metric_key={MlflowSmokeTest.MetricKey}").And.Contain("max_results="), "without max_results MLflow 3.x answers an empty history");
            Assert.That(requests[^2].BodyText, Does.Contain(run.Id));
            Assert.That(run.ExperimentId, Is.EqualTo(experiment.Id));
            Assert.That(run.Deleted, Is.True, "the run is deleted at the end");
            Assert.That(run.Parameters, Does.ContainKey(MlflowSmokeTest.ParameterKey));
            Assert.That(run.Metrics, Does.ContainKey(MlflowSmokeTest.MetricKey));
            Assert.That(Encoding.UTF8.GetString(_mlflow.Artifact(artifactPath["/api/2.0/mlflow-artifacts/artifacts/".Length..])!), Does.Contain(run.Id));
            Assert.That(requests.Select(request => request.Host).Distinct(), Is.EqualTo(new[] { _mlflow.Uri.Authority }));
            Assert.That(result.Output, Does.Contain("reading the artifact back: identical to what was uploaded"));
            Assert.That(result.Output, Does.Contain("MLflow works end to end"));
        });
    }

    [Test]
    public async Task A_second_verify_reuses_the_experiment()
    {
        var first = await VerifyAsync();
        var second = await VerifyAsync();

        Assert.Multiple(() =>
        {
            Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString);
            Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString);
            Assert.That(_mlflow.Requests.Count(request => request.Path.EndsWith("experiments/create", StringComparison.Ordinal)), Is.EqualTo(1));
            Assert.That(_mlflow.Runs.Select(run => run.ExperimentId).Distinct().Count(), Is.EqualTo(1));
            Assert.That(_mlflow.Runs.Select(run => run.Deleted), Is.EqualTo(new[] { true, true }));
            Assert.That(second.Output, Does.Contain($"'{MlflowSmokeTest.ExperimentName}' exists"));
        });
    }

    [Test]
    public async Task A_deleted_experiment_is_restored_and_used()
    {
        var id = _mlflow.AddExperiment(MlflowSmokeTest.ExperimentName, deleted: true);

        var result = await VerifyAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString);
            Assert.That(_mlflow.Requests.Select(request => request.Path), Does.Contain("/api/2.0/mlflow/experiments/restore"));
            Assert.That(_mlflow.Experiment(MlflowSmokeTest.ExperimentName)!.Deleted, Is.False);
            Assert.That(_mlflow.Runs.Single().ExperimentId, Is.EqualTo(id));
        });
    }

    [Test]
    public async Task Gcs_forbidden_on_upload_names_the_service_account_the_role_and_the_bucket()
    {
        _mlflow.FailUploadsWithGcsForbidden(ServiceAccountEmail, "my-bucket");

        var result = await VerifyAsync("--project-id=my-project-1", "--mlflow-service-account-id=mlflow-sa", "--bucket-name-mlflow=gs://my-bucket");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.All, Does.Contain($"Verify failed while uploading an artifact: Google Cloud Storage refused to write the object: {ServiceAccountEmail} lacks roles/storage.objectAdmin"));
            Assert.That(result.All, Does.Contain("on gs://my-bucket"));
            Assert.That(result.All, Does.Contain($"gcloud storage buckets add-iam-policy-binding gs://my-bucket --member=serviceAccount:{ServiceAccountEmail} --role=roles/storage.objectAdmin"));
            Assert.That(result.All, Does.Contain("storage.objects.create"), "the server's own answer is shown too");
            Assert.That(_mlflow.Runs.Single().Deleted, Is.True, "the run is deleted after the failure");
        });
    }

    [Test]
    public async Task Gcs_forbidden_without_the_settings_names_them()
    {
        _mlflow.FailUploadsWithGcsForbidden(ServiceAccountEmail, "my-bucket");

        var result = await VerifyAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.All, Does.Contain("the Google service account MLFLOW_SERVICE_ACCOUNT_ID lacks roles/storage.objectAdmin"));
            Assert.That(result.All, Does.Contain("on the bucket in BUCKET_NAME_MLFLOW"));
        });
    }

    [Test]
    public async Task Database_unreachable_points_at_the_database_path_in_use()
    {
        _mlflow.FailTrackingWithDatabaseUnreachable("cloudsql-proxy");

        var result = await VerifyAsync("--database=cloud-sql", "--namespace=ml");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.All, Does.Contain("Verify failed while finding or creating the experiment: the server failed on a tracking call, which stores into its database."));
            Assert.That(result.All, Does.Contain("Check the Cloud SQL Auth Proxy (kubectl logs deployment/cloudsql-proxy --namespace ml"));
            Assert.That(result.All, Does.Contain("TEMPORARILY_UNAVAILABLE: (sqlalchemy.exc.OperationalError)"));
        });
    }

    [Test]
    public async Task Host_not_allowed_says_to_add_it_to_allowed_hosts()
    {
        _mlflow.AllowedHosts = ["mlflow.example.com", "mlflow.example.com:*"];

        var result = await VerifyAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.Output, Does.Contain("ok  checking /health"), "/health is exempt from the Host check");
            Assert.That(result.All, Does.Contain($"MLflow refused the Host header '{_mlflow.Uri.Authority}'"));
            Assert.That(result.All, Does.Contain($"Add '{_mlflow.Uri.Authority}' to ALLOWED_HOSTS").And.Contain("'127.0.0.1:*'"));
            Assert.That(result.All, Does.Contain(FakeMlflowServer.InvalidHostMessage));
            Assert.That(_mlflow.Runs, Is.Empty);
        });
    }

    [Test]
    public async Task Server_down_says_it_is_not_reachable()
    {
        await _mlflow.StopAsync();

        var result = await VerifyAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.All, Does.Contain($"Verify failed while checking /health: the MLflow server at {_mlflow.Uri} (MLFLOW_URL) is not reachable"));
            Assert.That(result.All, Does.Contain("Connection refused"));
            Assert.That(result.All, Does.Contain("--target=WaitReady"));
        });
    }

    [Test]
    public async Task Verify_runs_over_https_when_this_machine_trusts_the_servers_certificate()
    {
        // Given MLflow behind HTTPS, as the Ingress serves it
        using var certificate = new TestCertificate();
        await using var https = await FakeMlflowServer.StartAsync(certificate.Certificate);
        https.BasicAuth = (TrackingUser, TrackingPassword);

        // When
        var result = await VerifyAsync(https, certificate.TrustFile);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(https.Uri.Scheme, Is.EqualTo("https"));
            Assert.That(result.ExitCode, Is.Zero, result.ToString);
            Assert.That(https.Runs.Single().Deleted, Is.True, "the whole smoke test ran over TLS");
        });
    }

    [Test]
    public async Task A_certificate_this_machine_does_not_trust_fails_verify_at_once_and_names_the_managed_certificate()
    {
        // Given MLflow behind HTTPS with a certificate no trusted root signed (as before Google's is Active)
        using var certificate = new TestCertificate();
        using var otherRoot = new TestCertificate();
        await using var https = await FakeMlflowServer.StartAsync(certificate.Certificate);
        https.BasicAuth = (TrackingUser, TrackingPassword);

        // When
        var result = await VerifyAsync(https, otherRoot.TrustFile);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.All, Does.Contain($"Verify failed while checking /health: the TLS handshake with {https.Uri} (MLFLOW_URL) failed"));
            Assert.That(result.All, Does.Contain("errors in the certificate chain: UntrustedRoot"));
            Assert.That(result.All, Does.Contain("kubectl describe managedcertificate mlflow"));
            Assert.That(result.All, Does.Not.Contain("Retry"), "a failed handshake is not retried");
            Assert.That(https.Requests, Is.Empty);
        });
    }

    [Test]
    public async Task A_server_that_answers_the_api_without_credentials_fails_verify_with_auth_basic()
    {
        // Given
        _mlflow.BasicAuth = null;

        // When
        var result = await VerifyAsync();

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.All, Does.Contain("without credentials with 200 instead of 401: the server runs without authentication"));
        });
    }

    [Test]
    public async Task Wrong_credentials_fail_verify_with_mlflows_401_and_never_print_the_password()
    {
        // Given
        _mlflow.BasicAuth = (TrackingUser, "another-password");

        // When
        var result = await VerifyAsync();

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.All, Does.Contain("401"));
            Assert.That(result.All, Does.Not.Contain(TrackingPassword));
        });
    }

    [Test]
    public async Task Auth_none_skips_the_login_and_the_anonymous_check()
    {
        // Given
        _mlflow.BasicAuth = null;

        // When
        var result = await VerifyAsync("--auth=none");

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString);
            Assert.That(_mlflow.Requests.Count(request => request.Path.EndsWith("experiments/get-by-name", StringComparison.Ordinal)), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Auth_iap_presents_a_google_id_token_and_requires_iap_to_refuse_an_anonymous_call()
    {
        // Given IAP in front of the server, and the ID token Google's client gives for the OAuth client
        _mlflow.BasicAuth = null;
        _mlflow.IapIdToken = IapIdToken;

        // When
        var result = await VerifyIapAsync();

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString);
            Assert.That(result.Output, Does.Contain("MLflow refuses the tracking API without credentials (302, redirected to accounts.google.com)."));
            Assert.That(result.All, Does.Not.Contain(IapIdToken));
        });
    }

    [Test]
    public async Task Auth_iap_fails_verify_when_the_server_answers_without_credentials()
    {
        // Given a server without IAP in front
        _mlflow.BasicAuth = null;

        // When
        var result = await VerifyIapAsync();

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.All, Does.Contain("was answered 200 instead of being refused by Identity-Aware Proxy: IAP is not on"));
        });
    }

    [Test]
    public async Task Health_not_ok_stops_before_any_write()
    {
        _mlflow.Health = (404, "default backend - 404");

        var result = await VerifyAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.All, Does.Contain("GET /health answered 404 'default backend - 404' instead of 200 'OK'"));
            Assert.That(result.All, Does.Contain("not a healthy MLflow server").And.Contain("MLFLOW_URL points at the MLflow server itself"));
            Assert.That(_mlflow.Requests.Select(request => request.ToString()), Is.EqualTo(new[] { "GET /health" }));
        });
    }

    [Test]
    public async Task Plan_mode_says_what_it_would_do_and_calls_nothing()
    {
        var result = await VerifyAsync("--plan");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString);
            Assert.That(result.Output, Does.Contain($"PLAN would run the smoke test (create and delete a run in experiment '{MlflowSmokeTest.ExperimentName}') against {_mlflow.Uri}"));
            Assert.That(_mlflow.Requests, Is.Empty);
            Assert.That(result.Output, Does.Match(@"Verify\s+-\s+Planned: would run the smoke test"), "the report says planned, not succeeded");
        });
    }

    /// <summary>Verify against the fake with AUTH=basic and the login from MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD.</summary>
    /// <summary>Verify with AUTH=iap; the ID token comes from GOOGLE_ID_TOKEN, the double of Google's credentials.</summary>
    private Task<BuildResult> VerifyIapAsync()
    {
        var build = new BuildProcess();
        build.Environment["GOOGLE_ID_TOKEN"] = IapIdToken;
        return build.RunAsync("--target=Verify", $"--mlflow-url={_mlflow.Uri}", "--auth=iap", "--expose=ingress", "--mlflow-hostname=mlflow.example.org", "--iap-client-id=123456789012-abcdef0123456789.apps.googleusercontent.com");
    }

    private Task<BuildResult> VerifyAsync(params string[] arguments) => VerifyAsync(_mlflow, trustFile: null, arguments);

    /// <param name="trustFile">The only certificates the build trusts (SSL_CERT_FILE); null leaves the system's.</param>
    private static Task<BuildResult> VerifyAsync(FakeMlflowServer server, string? trustFile, params string[] arguments)
    {
        var build = new BuildProcess();
        build.Environment["MLFLOW_TRACKING_USERNAME"] = TrackingUser;
        build.Environment["MLFLOW_TRACKING_PASSWORD"] = TrackingPassword;
        if (trustFile != null)
        {
            build.Environment["SSL_CERT_FILE"] = trustFile;
        }

        return build.RunAsync(["--target=Verify", $"--mlflow-url={server.Uri}", .. arguments]);
    }
}
