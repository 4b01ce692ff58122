using System.Text;
using MlflowGke.Build.Tests.Fakes.Kubernetes;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>Annotate → Apply → WaitReady through the real Build.dll and the real kubectl, against the fake apiserver.</summary>
[Category("Kubectl")]
public sealed class KubernetesStepsTests
{
    private const string Ns = KubeTestEnvironment.Namespace;

    [TestCase("in-cluster", "statefulset.apps/postgres", "postgres:5432")]
    [TestCase("cloud-sql", "deployment.apps/cloudsql-proxy", "cloudsql-proxy:5432")]
    public async Task Deploys_a_path_and_a_second_run_changes_nothing(string database, string databaseWorkload, string databaseAddress)
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();

        var first = await cluster.Build(database).RunAsync(KubeTestEnvironment.ThroughWaitReady);

        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        Assert.That(first.Output, Does.Contain($"{databaseWorkload}: rolled out").And.Contain("deployment.apps/mlflow: rolled out"));
        Assert.That(Annotation(cluster, "mlflow"), Is.EqualTo(KubeTestEnvironment.MlflowServiceAccountEmail));
        var writes = cluster.Server.Mutations.Select(request => request.Path).ToList();
        Assert.That(writes.FindIndex(path => path.EndsWith("/serviceaccounts/mlflow", StringComparison.Ordinal)), Is.LessThan(writes.FindIndex(path => path.Contains("/deployments/", StringComparison.Ordinal))), "annotated before any pod that uses it");
        var uri = cluster.SecretValue("mlflow-backend-store", "uri");
        Assert.That(uri, Does.Match($"^postgresql\\+psycopg2://mlflow:[^@]+@{databaseAddress}/mlflowdb$"));
        Assert.That(first.All, Does.Not.Contain(uri));
        Assert.That(cluster.Server.Get("Job", Ns, cluster.MigrationJobs().Single()), Is.Not.Null);

        var writesBefore = cluster.Server.Mutations.Count;
        var second = await cluster.Build(database).RunAsync(KubeTestEnvironment.ThroughWaitReady);

        Assert.That(second.ExitCode, Is.Zero, second.ToString());
        Assert.That(cluster.Server.Mutations.Skip(writesBefore), Is.Empty, second.ToString());
        Assert.That(second.Output, Does.Contain("No changes").And.Contain("already acts as").And.Contain("mlflow-backend-store holds the URI of mlflow; keeping it"));
        Assert.That(cluster.MigrationJobs(), Has.Count.EqualTo(1), "the completed Job is kept, so the next Deploy finds it");
    }

    [TestCase("in-cluster")]
    [TestCase("cloud-sql")]
    public async Task After_Apply_every_container_image_is_pinned_by_digest_and_third_party_images_by_the_mirrors_digest(string database)
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();

        var run = await cluster.Build(database).RunAsync(KubeTestEnvironment.ThroughApply);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var images = new[] { "Deployment", "StatefulSet", "Job" }
            .SelectMany(kind => cluster.Server.Store.List(cluster.Server.Catalog.ByKind(kind), Ns))
            .SelectMany(workload => workload["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Concat(workload["spec"]!["template"]!["spec"]!["initContainers"]?.AsArray() ?? []))
            .Select(container => container!["image"]!.GetValue<string>())
            .ToList();
        Assert.That(images, Has.Count.GreaterThanOrEqualTo(3));
        Assert.That(images, Has.All.Match("^[^@]+@sha256:[0-9a-f]{64}$"), "no image by tag alone");
        var thirdParty = images.Where(image => !image.StartsWith($"{cluster.Registry.Host}/{KubeTestEnvironment.ImageName}@", StringComparison.Ordinal)).Distinct();
        Assert.That(thirdParty, Is.SubsetOf(cluster.MirroredImages.Select(pair => $"{cluster.Registry.Host}/{MlflowGke.Build.Docker.RegistryName.Parse(pair.Key[..pair.Key.LastIndexOf(':')]).Path}@{pair.Value}")).And.Not.Empty);
        Assert.That(run.Output, Does.Contain("Pinned postgres:").Or.Contain("Pinned gcr.io/cloud-sql-connectors/cloud-sql-proxy:"));
    }

    [Test]
    public async Task With_metrics_the_apiserver_holds_the_pod_monitoring_and_the_collectors_policy()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        var build = cluster.Build("in-cluster");
        build.Environment["METRICS"] = "true";

        var run = await build.RunAsync(KubeTestEnvironment.ThroughApply);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(cluster.Server.Get("PodMonitoring", Ns, "mlflow")?["spec"]?["endpoints"]?[0]?["port"]?.GetValue<string>(), Is.EqualTo("http"));
        Assert.That(cluster.Server.Get("NetworkPolicy", Ns, "mlflow-metrics"), Is.Not.Null);
        Assert.That(cluster.Server.Get("Deployment", Ns, "mlflow")!["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(argument => argument!.GetValue<string>()), Does.Contain("--expose-prometheus"));
    }

    [Test]
    public async Task Turning_metrics_off_deletes_the_pod_monitoring_and_the_collectors_policy()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        var withMetrics = cluster.Build("in-cluster");
        withMetrics.Environment["METRICS"] = "true";
        Assert.That((await withMetrics.RunAsync(KubeTestEnvironment.ThroughPrune)).ExitCode, Is.Zero);

        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughPrune);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(cluster.Server.Get("PodMonitoring", Ns, "mlflow"), Is.Null);
        Assert.That(cluster.Server.Get("NetworkPolicy", Ns, "mlflow-metrics"), Is.Null);
        Assert.That(run.Output, Does.Contain("delete podmonitoring.monitoring.googleapis.com/mlflow"));
    }

    [Test]
    public async Task A_third_party_tag_the_registry_lacks_stops_Apply_with_exit_code_2_before_any_change()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        var build = cluster.Build("in-cluster");
        build.Environment["IMAGE_MIRROR"] = $"{cluster.Registry.Host}/empty-mirror";

        var run = await build.RunAsync(KubeTestEnvironment.ThroughApply);

        // Annotate runs first, but the check runs before the first task
        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.All, Does.Contain($"but the registry has no {cluster.Registry.Host}/empty-mirror/library/postgres:").And.Contain("nothing was changed"));
        Assert.That(cluster.Server.Mutations, Is.Empty, "only the deploy lock was written");
    }

    [Test]
    public async Task A_redeploy_with_nothing_to_change_starts_kubectl_at_most_five_times_and_writes_nothing()
    {
        // Given a deployed cluster and a kubectl that counts its starts
        await using var cluster = await KubeTestEnvironment.StartAsync();
        var first = await cluster.Build("cloud-sql").RunAsync(KubeTestEnvironment.ThroughPrune);
        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        var writesBefore = cluster.Server.Mutations.Count;
        using var kubectl = new CountingKubectl();

        // When the same steps run again
        var second = await kubectl.Wrap(cluster.Build("cloud-sql")).RunAsync(KubeTestEnvironment.ThroughPrune);

        // Then kubectl renders and diffs only, and nothing is written
        Assert.That(second.ExitCode, Is.Zero, second.ToString());
        Assert.That(kubectl.Starts, Has.Count.LessThanOrEqualTo(5), string.Join(Environment.NewLine, kubectl.Starts));
        Assert.That(cluster.Server.Mutations.Skip(writesBefore), Is.Empty, second.ToString());
    }

    [Test]
    public async Task In_cluster_generates_a_login_once_and_the_backend_store_uri_uses_it()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();

        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var password = cluster.SecretValue("mlflow-db-credentials", "password");
        Assert.That(password, Does.Match("^[A-Za-z0-9]{32}$"));
        Assert.That(cluster.SecretValue("mlflow-backend-store", "uri"), Is.EqualTo($"postgresql+psycopg2://mlflow:{password}@postgres:5432/mlflowdb"));
        Assert.That(run.All, Does.Not.Contain(password));
    }

    [Test]
    public async Task Cloud_sql_takes_the_login_from_the_settings_and_writes_no_in_cluster_login()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();

        var run = await cluster.Build("cloud-sql").RunAsync(KubeTestEnvironment.ThroughApply);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(cluster.SecretValue("mlflow-backend-store", "uri"), Is.EqualTo($"postgresql+psycopg2://mlflow:{KubeTestEnvironment.DatabasePassword}@cloudsql-proxy:5432/mlflowdb"));
        Assert.That(cluster.Server.Get("Secret", Ns, "mlflow-db-credentials"), Is.Null, "the in-cluster login is PostgreSQL's alone");
        Assert.That(Annotation(cluster, "mlflow-cloudsql-proxy"), Is.EqualTo(KubeTestEnvironment.ProxyServiceAccountEmail));
        Assert.That(cluster.Server.Get("StatefulSet", Ns, "postgres"), Is.Null);
        Assert.That(run.Output, Does.Not.Contain("statefulset.apps/postgres"));
    }

    [Test]
    public async Task Switching_to_cloud_sql_removes_postgres_but_keeps_its_volume_unless_delete_data()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);

        var switched = await cluster.Build("cloud-sql").RunAsync([.. KubeTestEnvironment.ThroughPrune, "--switch-database"]);

        Assert.That(switched.ExitCode, Is.Zero, switched.ToString());
        Assert.That(cluster.Server.Get("StatefulSet", Ns, "postgres"), Is.Null);
        Assert.That(cluster.Server.Get("Service", Ns, "postgres"), Is.Null);
        Assert.That(cluster.Server.Get("NetworkPolicy", Ns, "postgres"), Is.Null);
        Assert.That(cluster.Server.Get("Deployment", Ns, "cloudsql-proxy"), Is.Not.Null);
        Assert.That(cluster.Server.Get("PersistentVolumeClaim", Ns, "data-postgres-0"), Is.Not.Null);
        Assert.That(switched.Output, Does.Contain("Keeping persistentvolumeclaim/data-postgres-0"));

        var withDeleteData = await cluster.Build("cloud-sql").RunAsync([.. KubeTestEnvironment.ThroughPrune, "--delete-data"]);

        Assert.That(withDeleteData.ExitCode, Is.Zero, withDeleteData.ToString());
        Assert.That(cluster.Server.Get("PersistentVolumeClaim", Ns, "data-postgres-0"), Is.Null);

        var back = await cluster.Build("in-cluster").RunAsync("--target=Apply", "--target=WaitReady", "--target=Prune", "--exclusive", "--switch-database");

        Assert.That(back.ExitCode, Is.Zero, back.ToString());
        Assert.That(cluster.Server.Get("Deployment", Ns, "cloudsql-proxy"), Is.Null);
        Assert.That(cluster.Server.Get("ServiceAccount", Ns, "mlflow-cloudsql-proxy"), Is.Null);
        Assert.That(cluster.Server.Get("StatefulSet", Ns, "postgres"), Is.Not.Null);
    }

    [Test]
    public async Task Apply_alone_on_an_empty_cluster_creates_the_namespace_before_the_secret()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();

        var apply = await cluster.Build("in-cluster").RunAsync("--target=Apply", "--exclusive");

        Assert.That(apply.ExitCode, Is.Zero, apply.ToString());
        Assert.That(cluster.Server.Get("Secret", Ns, "mlflow-db-credentials"), Is.Not.Null);
        Assert.That(cluster.Server.Get("StatefulSet", Ns, "postgres"), Is.Not.Null);
    }

    [Test]
    public async Task The_workload_identity_annotation_survives_Apply_run_alone()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var account = cluster.Server.Get("ServiceAccount", Ns, "mlflow")!;
        account["metadata"]!.AsObject().Remove("labels"); // drift, so that Apply has to write the ServiceAccount again
        cluster.Server.Seed(account);

        var apply = await cluster.Build("in-cluster").RunAsync("--target=Apply", "--exclusive");

        Assert.That(apply.ExitCode, Is.Zero, apply.ToString());
        Assert.That(cluster.Server.Mutations.Any(request => request.Path.EndsWith("/serviceaccounts/mlflow", StringComparison.Ordinal)), Is.True);
        Assert.That(cluster.Server.Get("ServiceAccount", Ns, "mlflow")!["metadata"]!["labels"], Is.Not.Null);
        Assert.That(Annotation(cluster, "mlflow"), Is.EqualTo(KubeTestEnvironment.MlflowServiceAccountEmail));
    }

    [TestCase(PodBehaviour.CrashLoop, "is CrashLoopBackOff", "Back-off restarting failed container", "log line 60")]
    [TestCase(PodBehaviour.ConfigError, "is CreateContainerConfigError", "Error: secret", "no logs")]
    [TestCase(PodBehaviour.ScaleUpRefused, "is Unschedulable", "FailedScheduling: 0/3 nodes are available", "Recent events")]
    [TestCase(PodBehaviour.ProgressDeadlineExceeded, "is ProgressDeadlineExceeded", "has timed out progressing", "Recent events")]
    public async Task WaitReady_fails_fast_on_what_will_not_heal(PodBehaviour behaviour, string reason, string evidence, string detail)
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.SetBehaviour("mlflow", behaviour);

        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughWaitReady);

        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.All, Does.Contain("deployment.apps/mlflow will not become ready").And.Contain(reason).And.Contain(evidence).And.Contain(detail));
        Assert.That(run.All, Does.Not.Contain("Timed out"));
    }

    [Test]
    public async Task WaitReady_run_alone_redacts_the_database_password_in_the_pod_logs_it_prints()
    {
        // Given a crash-looping MLflow whose last log line shows the password, applied by an earlier job
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.SetBehaviour("mlflow", PodBehaviour.CrashLoop);
        cluster.Server.Controller.CrashLogError = $"Error: password authentication failed: postgresql://mlflow:{KubeTestEnvironment.DatabasePassword}@proxy/mlflowdb";
        var apply = await cluster.Build("cloud-sql").RunAsync(KubeTestEnvironment.ThroughApply);
        Assert.That(apply.ExitCode, Is.Zero, apply.ToString());

        // When WaitReady runs alone, as its own CI step
        var wait = await cluster.Build("cloud-sql").RunAsync("--target=WaitReady", "--exclusive");

        // Then it prints the log line with the password masked
        Assert.Multiple(() =>
        {
            Assert.That(wait.All, Does.Contain("postgresql://mlflow:[REDACTED]@proxy/mlflowdb"), wait.ToString);
            Assert.That(wait.All, Does.Not.Contain(KubeTestEnvironment.DatabasePassword));
        });
    }

    [Test]
    public async Task On_GitHub_Actions_a_workflow_command_in_the_pod_logs_is_printed_with_commands_stopped()
    {
        // Given a crash-looping pod whose log forges a workflow command, in a GitHub Actions step
        await using var cluster = await KubeTestEnvironment.StartAsync();
        using var runner = new TempDirectory();
        cluster.Server.Controller.SetBehaviour("mlflow", PodBehaviour.CrashLoop);
        cluster.Server.Controller.CrashLogError = "::error title=forged::the deploy is fine, merge it";
        var build = cluster.Build("in-cluster");
        build.Environment["GITHUB_ACTIONS"] = "true";
        build.Environment["GITHUB_STEP_SUMMARY"] = runner.Combine("summary.md");

        // When WaitReady reports it
        var run = await build.RunAsync(KubeTestEnvironment.ThroughWaitReady);

        // Then the forged line sits between ::stop-commands::TOKEN and ::TOKEN::, and the annotation holds the first line only
        var error = run.Error.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        var forged = error.FindIndex(line => line.Contains("::error title=forged::"));
        var stop = error.FindIndex(line => line.StartsWith("::stop-commands::", StringComparison.Ordinal));
        var token = stop >= 0 ? error[stop]["::stop-commands::".Length..] : "none";
        Assert.Multiple(() =>
        {
            Assert.That(forged, Is.GreaterThan(stop).And.GreaterThan(-1), run.ToString);
            Assert.That(stop, Is.GreaterThan(-1));
            Assert.That(error.FindIndex(line => line == $"::{token}::"), Is.GreaterThan(forged));
            Assert.That(run.Output.Split('\n'), Has.None.Match("^::error title=forged"), "not on standard output either");
        });
    }

    [Test]
    public async Task WaitReady_gives_up_at_WAIT_TIMEOUT_with_what_it_waited_for()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.ReadyDelay = TimeSpan.FromMinutes(5); // pods keep starting
        cluster.Server.Controller.JobPodRunTime = TimeSpan.FromMilliseconds(300); // the migration completes
        var build = cluster.Build("in-cluster");
        build.Environment["WAIT_TIMEOUT"] = "3s";

        var run = await build.RunAsync(KubeTestEnvironment.ThroughWaitReady);

        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.All, Does.Contain("Timed out after 3s waiting for statefulset.apps/postgres (0 of 1 pods ready (pod postgres-0: ContainerCreating))")
            .And.Contain("WAIT_TIMEOUT"));
    }

    [Test]
    public async Task Bursts_of_503_are_retried_and_the_steps_still_succeed()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.FailNextRequests(3);

        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughWaitReady);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(cluster.Server.Requests.Count(request => request.Status == 503), Is.EqualTo(3));
        Assert.That(run.Output, Does.Contain("ServiceUnavailable").And.Contain("Retry 1 of"));
    }

    [Test]
    public async Task A_context_that_is_not_the_configured_cluster_is_refused_before_any_request_to_it()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync(currentContext: KubeTestEnvironment.OtherContext);
        var build = cluster.Build("in-cluster");
        build.Environment["KUBE_CONTEXT"] = KubeTestEnvironment.OtherContext;

        var run = await build.RunAsync(KubeTestEnvironment.ThroughWaitReady);

        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.All, Does.Contain($"Kube context '{KubeTestEnvironment.OtherContext}'")
            .And.Contain($"expected context '{KubeTestEnvironment.Context}'")
            .And.Contain($"Current context: '{KubeTestEnvironment.OtherContext}'"));
        // gcloud's kubectl dispatcher asks GET /version to pick the kubectl release; nothing else reaches the cluster.
        Assert.That(cluster.Server.Requests.Where(request => request.Path != "/version"), Is.Empty, "the guard reads the kubeconfig only");
    }

    [Test]
    public async Task Plan_shows_the_changes_and_writes_nothing()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();

        var run = await cluster.Build("cloud-sql").RunAsync([.. KubeTestEnvironment.ThroughWaitReady, "--plan"]);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(cluster.Server.Mutations, Is.Empty);
        Assert.That(run.Output, Does.Contain("PLAN would create namespace mlflow")
            .And.Contain("PLAN would create serviceaccount mlflow/mlflow-cloudsql-proxy with iam.gke.io/gcp-service-account=" + KubeTestEnvironment.ProxyServiceAccountEmail)
            .And.Contain("PLAN would create Secret mlflow/mlflow-backend-store with the backend store URI of mlflow")
            .And.Contain("PLAN would run the migration Job mlflow-migrate-")
            .And.Contain("deployment.apps/cloudsql-proxy"));
        Assert.That(run.Output, Does.Not.Contain("mlflow-db-credentials"), "the in-cluster login is not part of the cloud-sql path");
    }

    [Test]
    public async Task Plan_on_a_deployed_cluster_shows_the_diff_and_writes_nothing()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var writesBefore = cluster.Server.Mutations.Count;
        var deployment = cluster.Server.Get("Deployment", Ns, "mlflow")!;
        deployment["spec"]!["replicas"] = 3; // someone scaled it by hand
        cluster.Server.Seed(deployment);

        var run = await cluster.Build("in-cluster").RunAsync([.. KubeTestEnvironment.ThroughApply, "--plan"]);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(cluster.Server.Mutations.Skip(writesBefore), Is.Empty);
        Assert.That(run.Output, Does.Contain("-  replicas: 3").And.Contain("+  replicas: 2").And.Contain("PLAN would apply"));
    }

    private static string? Annotation(KubeTestEnvironment cluster, string serviceAccount) =>
        cluster.Server.Get("ServiceAccount", Ns, serviceAccount)?["metadata"]?["annotations"]?["iam.gke.io/gcp-service-account"]?.GetValue<string>();
}
