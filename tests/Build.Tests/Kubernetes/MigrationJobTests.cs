using System.Text.Json.Nodes;
using MlflowGke.Build.Tests.Fakes.Kubernetes;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>The schema migration Job as Apply and WaitReady run it: real Build.dll and kubectl against the fake apiserver.</summary>
[Category("Kubectl")]
public sealed class MigrationJobTests
{
    private const string Ns = KubeTestEnvironment.Namespace;
    private const string NewTag = "kube-test-2";

    [Test]
    public async Task Apply_runs_the_migration_Job_to_completion_before_it_applies_the_server()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();

        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var job = cluster.MigrationJobs().Single();
        var writes = cluster.Server.Mutations.Select(request => request.Path).ToList();
        Assert.That(writes.FindIndex(path => path.EndsWith($"/jobs/{job}", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(0).And.LessThan(writes.FindIndex(path => path.EndsWith("/deployments/mlflow", StringComparison.Ordinal))));
        Assert.That(run.Output.IndexOf($"Database schema: none → bf29a5ff90ea (migration Job {job})", StringComparison.Ordinal), Is.GreaterThanOrEqualTo(0)
            .And.LessThan(run.Output.IndexOf("Change: apply the MLflow server", StringComparison.Ordinal)), "waited for the Job before the server");
        Assert.That(job, Does.Match("^mlflow-migrate-[0-9a-f]{12}$"));
    }

    [Test]
    public async Task A_new_image_gets_a_new_migration_Job_and_the_old_one_goes_with_its_pods_once_the_new_one_succeeded()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var oldJob = cluster.MigrationJobs().Single();
        await cluster.Registry.PushSyntheticImageAsync(KubeTestEnvironment.ImageName, NewTag);

        var run = await cluster.Build("in-cluster", NewTag).RunAsync(KubeTestEnvironment.ThroughPrune);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var newJob = cluster.MigrationJobs().Single();
        Assert.That(newJob, Is.Not.EqualTo(oldJob));
        Assert.That(run.Output, Does.Contain($"delete job.batch/{oldJob}"));
        Assert.That(JobPods(cluster, oldJob), Is.Empty, "deleted with propagationPolicy Background");
        Assert.That(JobPods(cluster, newJob), Is.Not.Empty);
    }

    [Test]
    public async Task A_failed_migration_stops_Apply_with_its_logs_and_leaves_the_server_on_the_old_image()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var serverImage = ServerImage(cluster);
        var oldJob = cluster.MigrationJobs().Single();
        await cluster.Registry.PushSyntheticImageAsync(KubeTestEnvironment.ImageName, NewTag);
        cluster.Server.Controller.SetBehaviour("mlflow-migrate", PodBehaviour.CrashLoop);

        var run = await cluster.Build("in-cluster", NewTag).RunAsync(KubeTestEnvironment.ThroughApply);

        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.All, Does.Contain("failed (BackoffLimitExceeded: Job has reached the specified backoff limit); the MLflow server was not updated")
            .And.Contain("password authentication failed for user \"mlflow\"")
            .And.Contain("Warning BackoffLimitExceeded"));
        Assert.That(ServerImage(cluster), Is.EqualTo(serverImage));
        Assert.That(cluster.MigrationJobs(), Does.Contain(oldJob), "nothing is pruned after a failure");
    }

    [Test]
    public async Task WaitReady_alone_reports_a_failed_migration_Job_with_its_logs()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.SetBehaviour("mlflow-migrate", PodBehaviour.CrashLoop);
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Not.Zero);

        var run = await cluster.Build("in-cluster").RunAsync("--target=WaitReady", "--exclusive");

        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.All, Does.Contain($"The migration Job {cluster.MigrationJobs().Single()} failed (BackoffLimitExceeded")
            .And.Contain("Last 50 log lines of pod")
            .And.Contain("password authentication failed"));
    }

    [Test]
    public async Task Apply_after_a_failed_migration_runs_it_again()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        cluster.Server.Controller.SetBehaviour("mlflow-migrate", PodBehaviour.CrashLoop);
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Not.Zero);
        cluster.Server.Controller.SetBehaviour("mlflow-migrate", PodBehaviour.BecomeReady);

        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.Contain("delete the failed migration Job").And.Contain("Database schema: none → bf29a5ff90ea"));
        Assert.That(cluster.Server.Get("Deployment", Ns, "mlflow"), Is.Not.Null);
    }

    [Test]
    public async Task A_due_migration_under_a_running_server_scales_it_to_zero_before_the_migration_Job_and_rolls_it_out_after()
    {
        // Given a running server on the seed guide's schema, and a new image
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        await cluster.Registry.PushSyntheticImageAsync(KubeTestEnvironment.ImageName, NewTag);
        cluster.Server.Controller.JobLogs = ["schema before: 7f2a7d5fae7d", "schema head: bf29a5ff90ea"];
        var earlierJobs = cluster.MigrationJobs().ToList();

        // When
        var run = await cluster.Build("in-cluster", NewTag).RunAsync(KubeTestEnvironment.ThroughApply);

        // Then
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var writes = cluster.Server.Mutations.Select(request => $"{request.Method} {request.Path} {request.ContentType}").ToList();
        var check = writes.FindIndex(write => write.Contains("/jobs/mlflow-schema-check-", StringComparison.Ordinal));
        var scaleDown = writes.FindIndex(write => write.Contains("/deployments/mlflow application/merge-patch+json", StringComparison.Ordinal));
        var migration = writes.FindIndex(write => write.Contains($"/jobs/{cluster.MigrationJobs().Except(earlierJobs).Single(job => job.StartsWith("mlflow-migrate-", StringComparison.Ordinal))} ", StringComparison.Ordinal));
        var rollout = writes.FindLastIndex(write => write.Contains("/deployments/mlflow application/apply-patch", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(new[] { check, scaleDown, migration, rollout }, Is.Ordered.And.All.GreaterThanOrEqualTo(0), string.Join("\n", writes));
            Assert.That(run.Output, Does.Contain("Change: scale deployment.apps/mlflow to 0 replicas before migrating schema 7f2a7d5fae7d (MLflow 2.4) → bf29a5ff90ea (MLflow 3.5)"));
            Assert.That(cluster.Server.Get("Deployment", Ns, "mlflow")?["spec"]?["replicas"]?.GetValue<int>(), Is.EqualTo(2), "the rollout brings the replicas back (MLFLOW_REPLICAS, default 2)");
        });
    }

    [Test]
    public async Task A_new_image_without_a_due_migration_keeps_the_server_running()
    {
        // Given a running server whose schema is already the new image's head
        await using var cluster = await KubeTestEnvironment.StartAsync();

        // When
        var run = await ApplyNewImageWithoutDueMigrationAsync(cluster);

        // Then
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.Contain("Database schema bf29a5ff90ea (MLflow 3.5) (up to date)").And.Not.Contain("to 0 replicas"));
        Assert.That(cluster.Server.Mutations.Where(request => request.ContentType == "application/merge-patch+json"), Is.Empty);
    }

    [Test]
    public async Task The_read_only_schema_check_Job_is_not_given_the_auth_database_the_migration_Job_migrates()
    {
        // Given a running server with AUTH=basic (the default), and a new image
        await using var cluster = await KubeTestEnvironment.StartAsync();

        // When
        var run = await ApplyNewImageWithoutDueMigrationAsync(cluster);

        // Then
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var jobs = cluster.Server.Store.List(cluster.Server.Catalog.ByKind("Job"), Ns);
        Assert.Multiple(() =>
        {
            Assert.That(EnvironmentNames(jobs.Single(job => Name(job).StartsWith("mlflow-schema-check-", StringComparison.Ordinal))), Does.Contain("MLFLOW_BACKEND_STORE_URI").And.Not.Contain("MLFLOW_AUTH_DATABASE_URI"));
            Assert.That(jobs.Where(job => Name(job).StartsWith("mlflow-migrate-", StringComparison.Ordinal)).Select(EnvironmentNames), Has.All.Contain("MLFLOW_AUTH_DATABASE_URI"));
        });
    }

    [Test]
    public async Task Plan_with_a_new_image_names_the_recorded_schema_and_changes_nothing()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var previousJob = cluster.MigrationJobs().Single();
        await cluster.Registry.PushSyntheticImageAsync(KubeTestEnvironment.ImageName, NewTag);
        var before = cluster.Server.Mutations.Count;

        // When
        var run = await cluster.Build("in-cluster", NewTag).RunAsync([.. KubeTestEnvironment.ThroughApply, "--plan"]);

        // Then
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.Contain($"PLAN the database was at schema bf29a5ff90ea (MLflow 3.5) after {previousJob}"));
        Assert.That(cluster.Server.Mutations.Count, Is.EqualTo(before));
    }

    private static IEnumerable<string> JobPods(KubeTestEnvironment cluster, string job) =>
        cluster.Server.Store.List(cluster.Server.Catalog.ByKind("Pod"), Ns)
            .Where(pod => pod["metadata"]?["labels"]?["job-name"]?.GetValue<string>() == job)
            .Select(pod => pod["metadata"]!["name"]!.GetValue<string>());

    private static string? ServerImage(KubeTestEnvironment cluster) =>
        cluster.Server.Get("Deployment", Ns, "mlflow")?["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"]?.GetValue<string>();

    /// <summary>A running server whose schema is already the new image's head, then Apply of the new image.</summary>
    private static async Task<BuildResult> ApplyNewImageWithoutDueMigrationAsync(KubeTestEnvironment cluster)
    {
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        await cluster.Registry.PushSyntheticImageAsync(KubeTestEnvironment.ImageName, NewTag);
        cluster.Server.Controller.JobLogs = ["schema before: bf29a5ff90ea", "schema head: bf29a5ff90ea", "schema after: bf29a5ff90ea"];
        return await cluster.Build("in-cluster", NewTag).RunAsync(KubeTestEnvironment.ThroughApply);
    }

    private static string Name(JsonObject job) => job["metadata"]!["name"]!.GetValue<string>();

    private static IEnumerable<string> EnvironmentNames(JsonObject job) =>
        job["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray().Select(variable => variable!["name"]!.GetValue<string>());
}
