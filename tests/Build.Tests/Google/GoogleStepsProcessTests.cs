using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlflowGke.Build.Google;
using MlflowGke.Build.Tests.Fakes.Google;
using MlflowGke.Build.Tests.Support;
using static MlflowGke.Build.Tests.Google.GoogleTestSetup;

namespace MlflowGke.Build.Tests.Google;

/// <summary>CreateDatabase and BindWorkloadIdentity as a user runs them: the compiled build against the fake APIs.</summary>
[TestFixture]
public sealed class GoogleStepsProcessTests
{
    /// <summary>The Google steps of Deploy, without the image steps before them.</summary>
    private static readonly string[] GoogleSteps = ["--target=CreateDatabase", "--target=BindWorkloadIdentity", "--exclusive"];

    [Test]
    public async Task FreshProject_GetsEverythingCreated_AndARerunMakesNoMutatingCall()
    {
        await using var fake = await StartFakeAsync();

        var first = await Process(fake).RunAsync(GoogleSteps);

        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        var instance = fake.CloudSql.Instance(Project, Instance)!;
        Assert.Multiple(() =>
        {
            Assert.That(instance.Databases, Does.Contain("mlflowdb").And.Contain("mlflow_auth"));
            Assert.That(instance.Users, Does.ContainKey("mlflow").WithValue(DatabasePassword));
            Assert.That((string?)fake.ServiceAccount(ProxyEmail)?["displayName"], Is.EqualTo("MLflow Cloud SQL proxy"));
            Assert.That((string?)fake.ServiceAccount(ProxyEmail)?["description"], Does.Contain("Cloud SQL Auth Proxy"));
            Assert.That(fake.Policies.Members(FakeGoogleCloud.ServiceAccountResource(Project, MlflowEmail), WorkloadIdentityUser), Is.EqualTo(new[] { KsaMember("mlflow", "mlflow") }));
            Assert.That(fake.Policies.Members(FakeGoogleCloud.ServiceAccountResource(Project, ProxyEmail), WorkloadIdentityUser), Is.EqualTo(new[] { KsaMember("mlflow", "mlflow-cloudsql-proxy") }));
            Assert.That(fake.Policies.Members(FakeGoogleCloud.ProjectResource(Project), "roles/cloudsql.client"), Is.EqualTo(new[] { $"serviceAccount:{ProxyEmail}" }));
            Assert.That(first.Output, Does.Contain("7 change(s) made."));
        });
        AssertNoSecretPrinted(first);

        var before = fake.Requests.Count;
        var second = await Process(fake).RunAsync(GoogleSteps);

        Assert.That(second.ExitCode, Is.Zero, second.ToString());
        Assert.That(fake.Requests.Skip(before).Where(request => request.IsMutating), Is.Empty);
        Assert.That(second.Output, Does.Contain("No changes: everything was already in place."));
        AssertNoSecretPrinted(second);
    }

    [Test]
    public async Task IamAuth_CreatesTheIamUser_AndGrantsTheProxyInstanceUser_WithoutAnyPassword()
    {
        await using var fake = await StartFakeAsync();
        var process = Process(fake);
        process.Environment["CLOUDSQL_AUTH"] = "iam";
        process.Environment.Remove("DB_PASSWORD");

        var run = await process.RunAsync(GoogleSteps);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var instance = fake.CloudSql.Instance(Project, Instance)!;
        Assert.Multiple(() =>
        {
            Assert.That(instance.IamServiceAccountUsers, Is.EqualTo(new[] { ProxyEmail.Replace(".gserviceaccount.com", string.Empty, StringComparison.Ordinal) }));
            Assert.That(instance.Users.Keys, Does.Not.Contain("mlflow"));
            Assert.That(fake.Policies.Members(FakeGoogleCloud.ProjectResource(Project), "roles/cloudsql.instanceUser"), Is.EqualTo(new[] { $"serviceAccount:{ProxyEmail}" }));
            Assert.That(fake.Policies.Members(FakeGoogleCloud.ProjectResource(Project), "roles/cloudsql.client"), Is.EqualTo(new[] { $"serviceAccount:{ProxyEmail}" }));
        });
    }

    [Test]
    public async Task Plan_ListsEveryChange_AfterReadingState_AndMakesNoMutatingCall()
    {
        await using var fake = await StartFakeAsync();

        var result = await Process(fake).RunAsync([.. GoogleSteps, "--plan"]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(fake.MutatingRequests, Is.Empty);
            Assert.That(fake.Requests.Select(request => request.Path), Does.Contain($"/v1/projects/{Project}/instances/{Instance}/databases/mlflowdb"));
            Assert.That(result.Output, Does.Contain($"PLAN would create database mlflowdb in Cloud SQL instance {Project}:{Region}:{Instance}"));
            Assert.That(result.Output, Does.Contain($"PLAN would create database mlflow_auth in Cloud SQL instance {Project}:{Region}:{Instance}"));
            Assert.That(result.Output, Does.Contain($"PLAN would create database user mlflow in Cloud SQL instance"));
            Assert.That(result.Output, Does.Contain($"PLAN would create service account {ProxyEmail}"));
            Assert.That(result.Output, Does.Contain($"PLAN would grant roles/cloudsql.client to serviceAccount:{ProxyEmail} on project {Project}"));
            Assert.That(result.Output, Does.Contain($"PLAN would grant {WorkloadIdentityUser} to {KsaMember("mlflow", "mlflow")} on service account {MlflowEmail}"));
            Assert.That(result.Output, Does.Contain($"PLAN would grant {WorkloadIdentityUser} to {KsaMember("mlflow", "mlflow-cloudsql-proxy")} on service account {ProxyEmail}"));
            Assert.That(result.Output, Does.Contain("7 change(s) would be made."));
        });
        AssertNoSecretPrinted(result);
    }

    [Test]
    public async Task InClusterPath_BindsOnlyMlflow_AndSkipsCreateDatabaseWithItsReason()
    {
        await using var fake = await StartFakeAsync();

        var result = await Process(fake, database: "in-cluster").RunAsync([.. GoogleSteps, "--verbosity=verbose"]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(Regex.Replace(result.Output, @"\s+", " "), Does.Contain("Nothing to do: runs on the cloud-sql path only"));
            Assert.That(fake.Requests.Where(request => request.Path.Contains("/instances/", StringComparison.Ordinal)), Is.Empty);
            Assert.That(fake.ServiceAccount(ProxyEmail), Is.Null);
            Assert.That(fake.MutatingRequests, Has.Count.EqualTo(1));
            Assert.That(fake.Policies.Members(FakeGoogleCloud.ServiceAccountResource(Project, MlflowEmail), WorkloadIdentityUser), Is.EqualTo(new[] { KsaMember("mlflow", "mlflow") }));
            Assert.That(result.Output, Does.Contain($"CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM {fake.Uri}"));
            Assert.That(result.Output, Does.Contain("GOOGLE_OAUTH_ACCESS_TOKEN (static token)"));
        });
        AssertNoSecretPrinted(result);
    }

    [Test]
    public async Task TwoRunsAtOnce_WithAnUnrelatedWriter_LoseNoBinding()
    {
        await using var fake = await StartFakeAsync();
        fake.Atomically(() => fake.Faults.ConcurrentWritesBeforeNextSets = 2);
        using var stop = new CancellationTokenSource();
        var unrelated = Task.Run(async () =>
        {
            var written = 0;
            while (!stop.IsCancellationRequested || written < 20)
            {
                fake.Atomically(() =>
                {
                    fake.Policies.AddAsAnotherWriter(FakeGoogleCloud.ProjectResource(Project), "roles/logging.viewer", $"user:unrelated-{written}@example.com");
                    fake.Policies.AddAsAnotherWriter(FakeGoogleCloud.ServiceAccountResource(Project, MlflowEmail), "roles/iam.serviceAccountTokenCreator", $"user:unrelated-{written}@example.com");
                    return written++;
                });
                await Task.Delay(15);
            }

            return written;
        });

        var results = await Task.WhenAll(Process(fake, ns: "team-a").RunAsync("--target=BindWorkloadIdentity", "--exclusive"), Process(fake, ns: "team-b").RunAsync("--target=BindWorkloadIdentity", "--exclusive"));
        await stop.CancelAsync();
        var unrelatedWrites = await unrelated;

        Assert.That(results.Select(result => result.ExitCode), Is.All.Zero, string.Join(Environment.NewLine, results.Select(result => result.ToString())));
        var mlflowAccount = FakeGoogleCloud.ServiceAccountResource(Project, MlflowEmail);
        var proxyAccount = FakeGoogleCloud.ServiceAccountResource(Project, ProxyEmail);
        var project = FakeGoogleCloud.ProjectResource(Project);
        Assert.Multiple(() =>
        {
            Assert.That(fake.Policies.Members(mlflowAccount, WorkloadIdentityUser), Is.EquivalentTo(new[] { KsaMember("team-a", "mlflow"), KsaMember("team-b", "mlflow") }));
            Assert.That(fake.Policies.Members(proxyAccount, WorkloadIdentityUser), Is.EquivalentTo(new[] { KsaMember("team-a", "mlflow-cloudsql-proxy"), KsaMember("team-b", "mlflow-cloudsql-proxy") }));
            Assert.That(fake.Policies.Members(project, "roles/cloudsql.client"), Is.EqualTo(new[] { $"serviceAccount:{ProxyEmail}" }));
            Assert.That(fake.Policies.Members(project, "roles/logging.viewer"), Has.Count.EqualTo(unrelatedWrites));
            Assert.That(fake.Policies.Members(mlflowAccount, "roles/iam.serviceAccountTokenCreator"), Has.Count.EqualTo(unrelatedWrites));
            Assert.That(fake.Policies.Members(project, "roles/viewer").Concat(fake.Policies.Members(mlflowAccount, "roles/viewer")).Concat(fake.Policies.Members(proxyAccount, "roles/viewer")).ToList(), Has.Count.EqualTo(2));
        });
    }

    [Test]
    public async Task NewServiceAccount_NotYetVisibleToIam_IsWaitedFor()
    {
        await using var fake = await StartFakeAsync();
        fake.Atomically(() =>
        {
            fake.Faults.PropagationDelayRequests = 3;
            fake.Faults.PropagationReadsAnswerForbidden = true;
            return 0;
        });

        var result = await Process(fake).RunAsync("--target=BindWorkloadIdentity", "--exclusive");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(fake.Policies.Members(FakeGoogleCloud.ServiceAccountResource(Project, ProxyEmail), WorkloadIdentityUser), Is.EqualTo(new[] { KsaMember("mlflow", "mlflow-cloudsql-proxy") }));
        Assert.That(fake.Requests.Count(request => request.Path.EndsWith(":setIamPolicy", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(2 + 3));
    }

    [Test]
    public async Task WorkloadIdentityOff_IsExplained_AndNotRetried()
    {
        await using var fake = await StartFakeAsync();
        fake.WorkloadIdentityPoolExists = false;

        var result = await Process(fake, database: "in-cluster").RunAsync("--target=BindWorkloadIdentity", "--exclusive");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.Multiple(() =>
        {
            Assert.That(result.All, Does.Contain($"Identity Pool does not exist ({Project}.svc.id.goog)"));
            Assert.That(result.All, Does.Contain($"Workload Identity is not enabled on any cluster of project {Project}"));
            Assert.That(result.All, Does.Contain($"--workload-pool={Project}.svc.id.goog"));
            Assert.That(fake.Requests.Count(request => request.Path.EndsWith(":setIamPolicy", StringComparison.Ordinal)), Is.EqualTo(1));
        });
        AssertNoSecretPrinted(result);
    }

    [Test]
    public async Task MissingDatabasePassword_OnTheCloudSqlPath_StopsBeforeAnyRequest()
    {
        await using var fake = await StartFakeAsync();
        var process = Process(fake);
        process.Environment.Remove("DB_PASSWORD");

        var result = await process.RunAsync("--target=CreateDatabase", "--exclusive");

        var error = result.All.Split('\n').Single(line => line.Contains("DB_PASSWORD is required"));
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(error, Does.Contain("the DB_PASSWORD environment variable").And.Contain("DB_PASSWORD_FILE=PATH"));
        Assert.That(error, Does.Not.Contain("--db-password").And.Not.Contain("cake.config"), "a secret is never suggested on the command line or in a committed file");
        Assert.That(fake.Requests, Is.Empty);
    }

    [Test]
    public async Task Database_password_from_a_mounted_file_is_used_without_its_final_newline()
    {
        // Given the password in a file, as a mounted secret, and not in the environment
        await using var fake = await StartFakeAsync();
        using var directory = new TempDirectory();
        var file = directory.Combine("db-password");
        File.WriteAllText(file, DatabasePassword + "\n");
        var process = Process(fake);
        process.Environment.Remove("DB_PASSWORD");
        process.Environment["DB_PASSWORD_FILE"] = file;

        // When CreateDatabase creates the user
        var result = await process.RunAsync("--target=CreateDatabase", "--exclusive");

        // Then the user gets exactly the file's password, and the table says where it came from
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(fake.Requests.Where(request => request.Method == "POST" && request.Path.EndsWith("/users", StringComparison.Ordinal)).Select(request => request.Body), Has.One.Contains($"\"password\":\"{DatabasePassword}\""));
            Assert.That(result.All, Does.Contain("file DB_PASSWORD_FILE (environment DB_PASSWORD_FILE)"));
        });
        AssertNoSecretPrinted(result);
    }

    [Test]
    public async Task ExternalAccountCredentials_AsWrittenByGoogleGithubActionsAuth_AreExchangedForAToken()
    {
        await using var fake = await StartFakeAsync();
        using var directory = new TempDirectory();
        var subjectToken = directory.Combine("oidc-token");
        await File.WriteAllTextAsync(subjectToken, FakeGoogleCloud.AcceptedSubjectToken);
        var credentials = directory.Combine("gha-creds.json");
        await File.WriteAllTextAsync(credentials, new JsonObject
        {
            ["type"] = "external_account",
            ["audience"] = $"//iam.googleapis.com/projects/{FakeGoogleCloud.ProjectNumber}/locations/global/workloadIdentityPools/github/providers/github",
            ["subject_token_type"] = "urn:ietf:params:oauth:token-type:jwt",
            ["token_url"] = new Uri(fake.Uri, FakeGoogleCloud.StsTokenPath.TrimStart('/')).ToString(),
            ["credential_source"] = new JsonObject { ["file"] = subjectToken },
        }.ToJsonString());
        var process = Process(fake, database: "in-cluster");
        process.Environment.Remove(GoogleAccessToken.StaticTokenVariable);
        process.Environment["GOOGLE_APPLICATION_CREDENTIALS"] = credentials;

        var result = await process.RunAsync("--target=BindWorkloadIdentity", "--exclusive");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(fake.Requests.Select(request => request.Path), Does.Contain(FakeGoogleCloud.StsTokenPath));
        Assert.That(fake.Policies.Members(FakeGoogleCloud.ServiceAccountResource(Project, MlflowEmail), WorkloadIdentityUser), Is.EqualTo(new[] { KsaMember("mlflow", "mlflow") }));
        Assert.That(result.All, Does.Not.Contain(FakeGoogleCloud.AccessToken).And.Not.Contain(FakeGoogleCloud.AcceptedSubjectToken));
    }

    [Test]
    public async Task MalformedEndpointOverride_NamesTheVariable()
    {
        await using var fake = await StartFakeAsync();
        var process = Process(fake, database: "in-cluster");
        process.Environment[GoogleEndpoints.IamOverride] = "iam.example";

        var result = await process.RunAsync("--target=BindWorkloadIdentity", "--exclusive");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.All, Does.Contain("CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM='iam.example' is not a base URL"));
        Assert.That(fake.Requests, Is.Empty);
    }

    [TestCase(GoogleEndpoints.IamOverride, "http://iam.example.com/")]
    [TestCase(GoogleEndpoints.SqlAdminOverride, "http://10.0.0.8:8080/")]
    [TestCase(GoogleEndpoints.ResourceManagerOverride, "http://localhost.example.com/")]
    public async Task Plain_http_endpoint_override_to_another_host_is_refused_before_any_request(string variable, string url)
    {
        // Given an override that would carry the bearer token in clear text
        await using var fake = await StartFakeAsync();
        var process = Process(fake, database: "cloud-sql");
        process.Environment[variable] = url;

        // When a Google step runs
        var result = await process.RunAsync("--target=BindWorkloadIdentity", "--exclusive");

        // Then it stops with exit 2 naming the variable, and no request (not even the token exchange) was made
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.All, Does.Contain($"{variable}='{url}' uses http to another host"));
            Assert.That(fake.Requests, Is.Empty);
        });
    }
}
