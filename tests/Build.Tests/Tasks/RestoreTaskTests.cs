using MlflowGke.Build.Tests.EndToEnd;

namespace MlflowGke.Build.Tests.Tasks;

/// <summary>Restore against the fake apiserver: what it stops, runs and deletes, in which order; refused on cloud-sql.</summary>
[Category("Docker")]
[Category("Kubectl")]
public sealed class RestoreTaskTests
{
    [Test]
    public async Task Restore_stops_the_server_then_runs_the_restore_job_then_deletes_the_migration_jobs()
    {
        // Given an in-cluster deploy whose second image migrated after a backup
        await using var environment = await DeployEnvironment.DeployedAsync("in-cluster");
        environment.Image.ChangeMarker("a new migration\n");
        environment.Kube.Controller.JobLogs = ["schema before: bf29a5ff90ea", "schema head: 1b5f0d9ad7c1", "schema after: 1b5f0d9ad7c1"];
        var upgrade = await environment.Build("in-cluster").RunAsync("--target=Deploy");
        Assert.That(upgrade.ExitCode, Is.Zero, upgrade.ToString());
        var dump = environment.Kube.Get("PersistentVolumeClaim", DeployEnvironment.Namespace, "mlflow-backups")!["metadata"]!["annotations"]!["mlflow-gke-deploy/last-backup"]!.GetValue<string>();
        var requestsBefore = environment.Kube.Requests.Count;

        // When
        var restore = await environment.Build("in-cluster").RunAsync("--target=Restore", $"--restore-dump={dump}");

        // Then
        var writes = environment.Kube.Requests.Skip(requestsBefore).Where(request => request.IsMutation && request.Status < 400).ToList();
        var scaledDown = writes.FindIndex(request => request is { Method: "PATCH" } && request.Path.EndsWith("/deployments/mlflow", StringComparison.Ordinal));
        var restoreJob = writes.FindIndex(request => request.Path.Contains("/jobs/mlflow-restore-", StringComparison.Ordinal));
        var migrationJobDeleted = writes.FindIndex(request => request is { Method: "DELETE" } && request.Path.Contains("/jobs/mlflow-migrate-", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(restore.ExitCode, Is.Zero, restore.ToString());
            Assert.That(scaledDown, Is.GreaterThanOrEqualTo(0), string.Join(Environment.NewLine, writes));
            Assert.That(restoreJob, Is.GreaterThan(scaledDown), "the server is stopped before the database is replaced");
            Assert.That(migrationJobDeleted, Is.GreaterThan(restoreJob), "the next Apply checks the restored schema again");
            Assert.That(environment.Kube.Get("Deployment", DeployEnvironment.Namespace, "mlflow")!["spec"]!["replicas"]!.GetValue<int>(), Is.Zero);
            Assert.That(restore.Output, Does.Contain($"Change: replace database mlflowdb by the dump mlflow-backups:{dump} (Job mlflow-restore-"));
        });
    }

    [Test]
    public async Task Restore_on_cloud_sql_is_refused_with_the_gcloud_command_and_exit_code_2()
    {
        // Given
        await using var environment = await DeployEnvironment.StartAsync();

        // When
        var restore = await environment.Build("cloud-sql").RunAsync("--target=Restore", "--restore-dump=mlflowdb-20261130-001502-schema-7f2a7d5fae7d.dump");

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(restore.ExitCode, Is.EqualTo(2), restore.ToString());
            Assert.That(restore.All, Does.Contain("DATABASE='cloud-sql': Restore loads a pg_dump into the in-cluster PostgreSQL; a Cloud SQL database goes back with `gcloud sql backups restore BACKUP_ID --restore-instance="));
        });
    }
}
