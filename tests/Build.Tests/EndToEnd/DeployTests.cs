using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using MlflowGke.Build.Google;
using MlflowGke.Build.Image;
using MlflowGke.Build.Tests.Fakes.Google;
using MlflowGke.Build.Tests.Fakes.Kubernetes;
using MlflowGke.Build.Tests.Fakes.Registry;
using MlflowGke.Build.Tests.Support;
using MlflowGke.Build.Tests.Workflows;
using static MlflowGke.Build.Tests.Google.GoogleTestSetup;

namespace MlflowGke.Build.Tests.EndToEnd;

/// <summary>
/// Deploy as a user runs it: Build.dll with the real docker daemon, a real registry and the real kubectl, against
/// the fake kube-apiserver and the fake Google APIs; the end state is checked in all of them.
/// </summary>
[Category("Docker")]
[Category("Kubectl")]
public sealed class DeployTests
{
    /// <summary>The build calls of .github/workflows/deploy.yml in the order its jobs run them; Verify, the last job, is not part of Deploy.</summary>
    private static IReadOnlyList<WorkflowFile.BuildCall> WorkflowSteps { get; } = WorkflowFile.Load("deploy.yml").Jobs
        .SelectMany(job => job.Steps)
        .SelectMany(step => step.BuildCalls)
        .Where(call => call.Target != "Verify")
        .ToList();

    [TestCase("in-cluster")]
    [TestCase("cloud-sql")]
    public async Task Deploy_reaches_the_end_state_a_rerun_changes_nothing_and_the_workflow_steps_reach_the_same(string database)
    {
        DeployFacts deployed;
        await using (var environment = await DeployEnvironment.StartAsync())
        {
            var first = await environment.Build(database).RunAsync("--target=Deploy");

            Assert.That(first.ExitCode, Is.Zero, first.ToString());
            await AssertDeployedAsync(environment, database, first);
            if (database == "in-cluster")
            {
                Assert.That(Regex.Replace(first.Output, @"\s+", " "), Does.Match(@"CreateDatabase - Skipped: runs on the cloud-sql path only"), first.Output);
            }

            await AssertSecondDeployChangesNothingAsync(environment, database);
            deployed = await environment.FactsAsync();
        }

        await using var fresh = await DeployEnvironment.StartAsync();
        Assert.That(WorkflowSteps.Select(step => step.Target), Is.EqualTo(new[] { "BuildImage", "PushImage", "CreateDatabase", "BindWorkloadIdentity", "Annotate", "Apply", "WaitReady", "Prune" }));
        foreach (var step in WorkflowSteps)
        {
            var run = await fresh.Build(database).RunAsync(step.Exclusive ? [$"--target={step.Target}", "--exclusive"] : [$"--target={step.Target}"]);
            Assert.That(run.ExitCode, Is.Zero, $"{step.Target}: {run}");
        }

        Assert.That(await fresh.FactsAsync(), Is.EqualTo(deployed));
    }

    [Test]
    public async Task Bursts_of_503_from_Google_and_the_apiserver_are_retried_and_Deploy_succeeds()
    {
        await using var environment = await DeployEnvironment.StartAsync();
        environment.Google.Atomically(() =>
        {
            environment.Google.Faults.Burst(3, HttpStatusCode.ServiceUnavailable);
            return 0;
        });
        environment.Kube.FailNextRequests(3);

        var run = await environment.Build("cloud-sql").RunAsync("--target=Deploy");

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        await AssertDeployedAsync(environment, "cloud-sql", run);
        Assert.Multiple(() =>
        {
            Assert.That(environment.Kube.Requests.Count(request => request.Status == 503), Is.EqualTo(3));
            Assert.That(environment.Google.Requests.Take(4).Select(request => request.ToString()).Distinct().Count(), Is.EqualTo(1), "the first Google request answered 503 three times and was sent again");
        });
    }

    [Test]
    public async Task A_crash_looping_image_fails_Deploy_fast_and_a_fixed_image_rolls_out()
    {
        await using var environment = await DeployEnvironment.StartAsync();
        environment.Kube.Controller.SetBehaviour("mlflow", PodBehaviour.CrashLoop);

        var broken = await environment.Build("in-cluster").RunAsync("--target=Deploy");

        Assert.That(broken.ExitCode, Is.Not.Zero, broken.ToString());
        Assert.That(broken.All, Does.Contain("deployment.apps/mlflow will not become ready").And.Contain("is CrashLoopBackOff").And.Not.Contain("Timed out"));
        var brokenDigest = await environment.PushedDigestAsync();

        environment.Image.ChangeMarker("fixed\n");
        environment.Kube.Controller.SetBehaviour("mlflow", PodBehaviour.BecomeReady);
        var fixedRun = await environment.Build("in-cluster").RunAsync("--target=Deploy");

        Assert.That(fixedRun.ExitCode, Is.Zero, fixedRun.ToString());
        await AssertDeployedAsync(environment, "in-cluster", fixedRun);
        Assert.That(await environment.PushedDigestAsync(), Is.Not.EqualTo(brokenDigest), "the fix is a new image, pushed and rolled out");
    }

    [Test]
    public async Task After_the_registry_restarts_a_second_Deploy_still_changes_nothing()
    {
        await using var environment = await DeployEnvironment.DeployedAsync("in-cluster");

        await environment.Registry.StopAsync();
        await environment.Registry.StartAgainAsync();

        await AssertSecondDeployChangesNothingAsync(environment, "in-cluster");
    }

    [TestCase("wrong cluster", "Kube context 'other-cluster' (cluster 'other-cluster') is not the GKE cluster")]
    [TestCase("missing bucket", "BUCKET_NAME_MLFLOW")]
    [TestCase("malformed instance", "a connection name uses colons, not dots")]
    [TestCase("missing credential", "No Google credentials")]
    public async Task Bad_settings_stop_Deploy_before_any_change(string fault, string message)
    {
        await using var environment = await DeployEnvironment.StartAsync();
        var build = environment.Build("cloud-sql");
        switch (fault)
        {
            case "wrong cluster":
                build.Environment["KUBE_CONTEXT"] = DeployEnvironment.OtherContext;
                break;
            case "missing bucket":
                build.Environment.Remove("BUCKET_NAME_MLFLOW");
                break;
            case "malformed instance":
                build.Environment["CLOUDSQL_INSTANCE_NAME"] = $"{Project}.{Region}.{Instance}";
                break;
            case "missing credential":
                build.Environment.Remove(GoogleAccessToken.StaticTokenVariable);
                build.Environment["GCE_METADATA_HOST"] = $"127.0.0.1:{LocalRegistry.FreePort()}"; // no metadata server either, on any machine
                break;
        }

        var run = await build.RunAsync("--target=Deploy");

        Assert.Multiple(async () =>
        {
            Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
            Assert.That(run.All, Does.Contain(message));
            Assert.That(run.All, Does.Not.Contain("Change:"));
            Assert.That(environment.Kube.Mutations, Is.Empty);
            Assert.That(environment.Google.MutatingRequests, Is.Empty);
            Assert.That(await environment.PushedDigestAsync(), Is.Null, "nothing was pushed");
            Assert.That(await environment.Registry.DigestAsync(DeployEnvironment.ImageName, ImageSource.CacheTag), Is.Null);
        });
    }

    [Test]
    public async Task A_database_switch_without_the_flag_stops_Deploy_before_any_build_push_Google_or_cluster_call()
    {
        // Given
        await using var environment = await DeployEnvironment.DeployedAsync("in-cluster");
        environment.Image.ChangeMarker("a new image that the refused Deploy must not push");
        var kubeWrites = environment.Kube.Mutations.Count;
        var googleRequests = environment.Google.Requests.Count;

        // When
        var run = await environment.Build("cloud-sql").RunAsync("--target=Deploy");

        // Then
        Assert.Multiple(async () =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
            Assert.That(Regex.Replace(run.All, @"\s+", " "), Does.Contain("Refusing to switch the database MLflow serves; nothing was changed. MLflow serves the in-cluster PostgreSQL on volume data-postgres-0")
                .And.Contain($"this Deploy would serve Cloud SQL instance {Project}:{Region}:{Instance} database mlflowdb.")
                .And.Contain("--switch-database"));
            Assert.That(run.All, Does.Not.Contain("BuildImage"), "no task started");
            Assert.That(environment.Kube.Mutations.Skip(kubeWrites), Is.Empty);
            Assert.That(environment.Google.Requests.Skip(googleRequests), Is.Empty, "not even a read");
            Assert.That(await environment.PushedDigestAsync(), Is.Null, "the changed image was neither built nor pushed");
        });
    }

    private static IEnumerable<string> Names(DeployEnvironment environment, string kind) =>
        environment.Kube.Store.List(environment.Kube.Catalog.ByKind(kind), DeployEnvironment.Namespace).Select(item => item["metadata"]!["name"]!.GetValue<string>());

    private static async Task AssertDeployedAsync(DeployEnvironment environment, string database, BuildResult result)
    {
        var digest = await environment.PushedDigestAsync();
        var instance = environment.Google.CloudSql.Instance(Project, Instance)!;
        Assert.Multiple(() =>
        {
            Assert.That(digest, Does.StartWith("sha256:"), "the content tag was pushed");
            Assert.That(environment.DeploymentImage("mlflow"), Is.EqualTo($"{environment.Repository}@{digest}"));
            Assert.That(environment.WorkloadIdentityMembers(MlflowEmail), Is.EqualTo(new[] { KsaMember(DeployEnvironment.Namespace, "mlflow") }));
            Assert.That(environment.Annotation("mlflow"), Is.EqualTo(MlflowEmail));
            Assert.That(environment.Kube.Get("Secret", DeployEnvironment.Namespace, "mlflow-backend-store"), Is.Not.Null);
            Assert.That(result.Output, Does.Contain("deployment.apps/mlflow: rolled out").And.Contain("Database schema: none → bf29a5ff90ea"));
            AssertNoSecretPrinted(result);
            Assert.That(
                Names(environment, "NetworkPolicy"),
                Is.EquivalentTo(new[] { "default-deny", "allow-dns", "allow-google-apis", "mlflow", "database-clients", database == "cloud-sql" ? "cloudsql-proxy" : "postgres" }),
                "the apiserver accepted the network policies");
            Assert.That(Names(environment, "PodDisruptionBudget"), Is.EquivalentTo(database == "cloud-sql" ? new[] { "mlflow", "cloudsql-proxy" } : ["mlflow"]));
            Assert.That(
                environment.Kube.Store.List(environment.Kube.Catalog.ByKind("Pod"), DeployEnvironment.Namespace).Count(pod => pod["metadata"]!["labels"]?["app"]?.GetValue<string>() == "mlflow"),
                Is.EqualTo(2),
                "two MLflow replicas");
            Assert.That(environment.Kube.Get("Namespace", null, DeployEnvironment.Namespace)!["metadata"]!["labels"]!["pod-security.kubernetes.io/enforce"]!.GetValue<string>(), Is.EqualTo("restricted"));
        });
        if (database == "cloud-sql")
        {
            var uri = environment.Kube.Get("Secret", DeployEnvironment.Namespace, "mlflow-backend-store")!["data"]!["uri"]!.GetValue<string>();
            Assert.Multiple(() =>
            {
                Assert.That(instance.Databases, Does.Contain("mlflowdb"));
                Assert.That(instance.Users, Does.ContainKey("mlflow").WithValue(DatabasePassword));
                Assert.That(Encoding.UTF8.GetString(Convert.FromBase64String(uri)), Is.EqualTo($"postgresql+psycopg2://mlflow:{Uri.EscapeDataString(DatabasePassword)}@cloudsql-proxy:5432/mlflowdb"));
                Assert.That(environment.Kube.Get("Secret", DeployEnvironment.Namespace, "mlflow-db-credentials"), Is.Null);
                Assert.That(environment.WorkloadIdentityMembers(ProxyEmail), Is.EqualTo(new[] { KsaMember(DeployEnvironment.Namespace, DeployEnvironment.ProxyAccount) }));
                Assert.That(environment.Annotation(DeployEnvironment.ProxyAccount), Is.EqualTo(ProxyEmail));
                Assert.That(environment.Google.Policies.Members(FakeGoogleCloud.ProjectResource(Project), "roles/cloudsql.client"), Is.EqualTo(new[] { $"serviceAccount:{ProxyEmail}" }));
                Assert.That(result.Output, Does.Contain("deployment.apps/cloudsql-proxy: rolled out"));
                Assert.That(environment.Kube.Get("StatefulSet", DeployEnvironment.Namespace, "postgres"), Is.Null);
            });
        }
        else
        {
            Assert.Multiple(() =>
            {
                Assert.That(environment.Google.Requests.Where(request => request.Path.Contains("/instances/", StringComparison.Ordinal)), Is.Empty, "Cloud SQL untouched");
                Assert.That(instance.Databases, Does.Not.Contain("mlflowdb"));
                Assert.That(environment.Google.ServiceAccount(ProxyEmail), Is.Null);
                Assert.That(result.Output, Does.Contain("statefulset.apps/postgres: rolled out"));
            });
        }
    }

    private static async Task AssertSecondDeployChangesNothingAsync(DeployEnvironment environment, string database)
    {
        var digest = await environment.PushedDigestAsync();
        var kubeWrites = environment.Kube.Mutations.Count;
        var googleWrites = environment.Google.MutatingRequests.Count;

        var second = await environment.Build(database).RunAsync("--target=Deploy");

        Assert.Multiple(async () =>
        {
            Assert.That(second.ExitCode, Is.Zero, second.ToString());
            Assert.That(environment.Kube.Mutations.Skip(kubeWrites), Is.Empty, second.ToString());
            Assert.That(environment.Google.MutatingRequests.Skip(googleWrites), Is.Empty);
            Assert.That(await environment.PushedDigestAsync(), Is.EqualTo(digest));
            Assert.That(second.Output, Does.Contain("No changes: everything was already in place."));
        });
    }
}
