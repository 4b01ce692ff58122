using MlflowGke.Build.Kubernetes;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using MlflowGke.Build.Tests.Support;
using MlflowGke.Build.Verify;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// The workloads exactly as Apply sent them, run as local processes against the real MLflow and a real PostgreSQL:
/// only the database server and the artifact bucket are local ones (<see cref="LocalEndpoints"/>).
/// </summary>
[TestFixture("in-cluster")]
[TestFixture("cloud-sql")]
[Category(RealMlflowRequirement.Category)]
[Category("Kubectl")]
public sealed partial class ManifestExecutionTests(string database)
{
    /// <summary>DB_PASSWORD on the cloud-sql path: every character that means something in a URI, a shell or SQL.</summary>
    public const string CloudSqlPassword = "p@ss:w/rd#50%&?=+! \"'x";

    private const string DefaultExperiment = "api/2.0/mlflow/experiments/get-by-name?experiment_name=Default";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(5);
    private AppliedMlflow _applied = null!;
    private Task<LocalRollout>? _running;

    [OneTimeSetUp]
    public async Task ApplyAsync() => _applied = await AppliedMlflow.ApplyAsync(database, CloudSqlPassword);

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_running is { IsCompletedSuccessfully: true })
        {
            await _running.Result.DisposeAsync();
        }

        if (_applied != null)
        {
            await _applied.DisposeAsync();
        }
    }

    [Test]
    public async Task The_first_rollout_on_an_empty_database_becomes_healthy()
    {
        // Given
        using var timeout = new CancellationTokenSource(TestTimeout);
        var empty = await _applied.CreateDatabaseAsync();

        // When
        await using var rollout = await _applied.RollOutAsync(empty, 1, timeout.Token);

        // Then
        await AssertServesTrackingApiAsync(rollout.Pods.Single());
    }

    [Test]
    public async Task Two_server_pods_starting_at_once_on_an_empty_database_both_become_healthy()
    {
        // Given
        using var timeout = new CancellationTokenSource(TestTimeout);
        var empty = await _applied.CreateDatabaseAsync();

        // When
        await using var rollout = await _applied.RollOutAsync(empty, 2, timeout.Token);

        // Then
        Assert.That(rollout.Pods, Has.Count.EqualTo(2));
        foreach (var pod in rollout.Pods)
        {
            await AssertServesTrackingApiAsync(pod);
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    public async Task Migration_steps_started_at_once_on_an_empty_database_all_succeed_and_leave_the_newest_schema(int copies)
    {
        // Given
        using var timeout = new CancellationTokenSource(TestTimeout);
        var empty = await _applied.CreateDatabaseAsync();

        // When
        await using var jobs = await _applied.RunJobsAsync(empty, copies, timeout.Token);

        // Then
        // Apply's Jobs are the migration and the read-only schema check; only the migration prints "schema after:".
        var migrations = jobs.JobPods.Select(pod => SchemaMigration.Parse("mlflow-migrate", pod.Output)).Where(migration => migration.After != null).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(await MlflowSchema.RevisionAsync(_applied.Mlflow, _applied.LocalUri(empty)), Is.EqualTo(await MlflowSchema.HeadRevisionAsync(_applied.Mlflow)));
            Assert.That(migrations.Select(migration => migration.AuthBefore), Does.Contain("none"), "the basic-auth database started without tables");
            Assert.That(migrations, Has.Count.EqualTo(copies));
            Assert.That(migrations.Select(migration => migration.AuthAfter ?? "missing").Distinct(), Has.Exactly(1).Match("^[0-9a-f]{12}$"), "every copy leaves the auth schema at its head");
        });
    }

    [Test]
    public async Task A_second_rollout_on_an_initialised_database_becomes_healthy()
    {
        // Given
        using var timeout = new CancellationTokenSource(TestTimeout);
        var initialised = await _applied.CreateInitialisedDatabaseAsync();
        await (await _applied.RollOutAsync(initialised, 1, timeout.Token)).DisposeAsync();

        // When
        await using var second = await _applied.RollOutAsync(initialised, 1, timeout.Token);

        // Then
        await AssertServesTrackingApiAsync(second.Pods.Single());
    }

    [TestCase("localhost:{port}")]
    [TestCase("127.0.0.1:{port}")]
    [TestCase("mlflow:5000")]
    [TestCase("mlflow.mlflow:5000")]
    [TestCase("mlflow.mlflow.svc:5000")]
    [TestCase("mlflow.mlflow.svc.cluster.local:5000")]
    public async Task The_tracking_api_accepts_the_port_forward_and_in_cluster_host_names(string host)
    {
        // Given
        var pod = (await RunningServerAsync()).Pods.Single();

        // When
        var experiment = await ApiAs(pod, host.Replace("{port}", pod.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
            .GetExperimentByNameAsync("Default", CancellationToken.None);

        // Then
        Assert.That(experiment?.Name, Is.EqualTo("Default"));
    }

    [Test]
    public async Task The_tracking_api_refuses_a_foreign_host_with_403()
    {
        // Given
        var pod = (await RunningServerAsync()).Pods.Single();
        using var http = new HttpClient { BaseAddress = pod.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/2.0/mlflow/experiments/get-by-name?experiment_name=Default") { Headers = { Host = "evil.example" } };

        // When
        using var response = await http.SendAsync(request);

        // Then
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Health_is_open_and_the_api_answers_401_without_credentials_and_200_with_the_generated_admins()
    {
        // Given
        var pod = (await RunningServerAsync()).Pods.Single();
        using var http = new HttpClient { BaseAddress = pod.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        // When
        using var health = await http.GetAsync("health");
        using var anonymous = await http.GetAsync(DefaultExperiment);
        using var admin = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, DefaultExperiment) { Headers = { Authorization = AdminAuthorization() } });

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(admin.StatusCode, Is.EqualTo(HttpStatusCode.OK), pod.Output);
            Assert.That(_applied.Admin.Password, Is.Not.EqualTo("password1234").And.Length.EqualTo(32));
        });
    }

    [Test]
    public async Task Two_replicas_started_at_once_share_the_secret_key_so_one_accepts_the_csrf_token_the_other_issued()
    {
        // Given
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var rollout = await _applied.RollOutAsync(await _applied.CreateDatabaseAsync(), 2, timeout.Token);
        var (first, second) = (rollout.Pods[0], rollout.Pods[1]);
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { Timeout = TimeSpan.FromSeconds(30), DefaultRequestHeaders = { Authorization = AdminAuthorization() } };
        var signup = await http.GetStringAsync(new Uri(first.BaseAddress, "signup"));
        var csrfToken = CsrfToken().Match(signup).Groups[1].Value;

        // When
        using var created = await http.PostAsync(new Uri(second.BaseAddress, "api/2.0/mlflow/users/create-ui"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["csrf_token"] = csrfToken,
            ["username"] = "second-replica-user",
            ["password"] = "a-password-of-some-length",
        }));

        // Then
        var answer = await created.Content.ReadAsStringAsync();
        using var user = await http.GetAsync(new Uri(first.BaseAddress, "api/2.0/mlflow/users/get?username=second-replica-user"));
        Assert.Multiple(() =>
        {
            Assert.That(csrfToken, Is.Not.Empty, signup);
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.OK), answer);
            Assert.That(user.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the user the second replica created is in the shared auth database");
        });
    }

    [Test]
    public async Task Verify_passes_against_the_real_server_and_the_artifact_reaches_the_bucket()
    {
        // Given
        var pod = (await RunningServerAsync()).Pods.Single();
        var build = new BuildProcess();
        build.Environment["MLFLOW_TRACKING_USERNAME"] = _applied.Admin.Username;
        build.Environment["MLFLOW_TRACKING_PASSWORD"] = _applied.Admin.Password;

        // When
        var verify = await build.RunAsync("--target=Verify", $"--mlflow-url={pod.BaseAddress}");

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(verify.ExitCode, Is.Zero, verify.ToString());
            Assert.That(verify.Output, Does.Contain("MLflow refuses the tracking API without credentials (401)"));
            Assert.That(Directory.GetFiles(_applied.ArtifactFolder, MlflowSmokeTest.ArtifactFile, SearchOption.AllDirectories), Is.Not.Empty, "the server wrote the artifact to its destination");
        });
    }

    [Test]
    public async Task The_database_password_is_on_no_command_line()
    {
        // Given
        var rollout = await RunningServerAsync();

        // When
        var commandLines = rollout.CommandLines();

        // Then
        Assert.That(commandLines, Has.None.Contains(_applied.Login.Password).And.None.Contains(Uri.EscapeDataString(_applied.Login.Password)));
    }

    /// <summary>One server for the tests that only talk to it: a rollout on a database MLflow initialised.</summary>
    private Task<LocalRollout> RunningServerAsync() => _running ??= StartServerAsync();

    private async Task<LocalRollout> StartServerAsync()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        return await _applied.RollOutAsync(await _applied.CreateInitialisedDatabaseAsync(), 1, timeout.Token);
    }

    /// <summary>The tracking API as the generated admin, with <paramref name="host"/> as the Host header.</summary>
    private MlflowRestClient ApiAs(LocalPod pod, string host) =>
        new(new HttpClient { BaseAddress = pod.BaseAddress, Timeout = TimeSpan.FromSeconds(30), DefaultRequestHeaders = { Authorization = AdminAuthorization() } }, host);

    private AuthenticationHeaderValue AdminAuthorization() => _applied.Admin.Authorization();

    private async Task AssertServesTrackingApiAsync(LocalPod pod)
    {
        var api = ApiAs(pod, pod.BaseAddress.Authority);
        var health = await api.GetHealthAsync(CancellationToken.None);
        var experiment = await api.GetExperimentByNameAsync("Default", CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(health, Is.EqualTo((200, "OK")));
            Assert.That(experiment?.Name, Is.EqualTo("Default"), pod.Output);
        });
    }

    [GeneratedRegex("name=\"csrf_token\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();
}
