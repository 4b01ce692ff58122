using MlflowGke.Build.Tests.Google;

namespace MlflowGke.Build.Tests.EndToEnd;

/// <summary>
/// The backup Apply takes when a schema migration is due, against the fake apiserver and the fake Cloud SQL Admin API:
/// its order against the migration Job from both doubles' request logs, --skip-backup and --plan.
/// </summary>
[Category("Docker")]
[Category("Kubectl")]
public sealed class BackupTests
{
    private const string OldHead = "bf29a5ff90ea";
    private const string NewHead = "1b5f0d9ad7c1";

    /// <summary>What the schema check and the migration Job of an image with a new migration print.</summary>
    private static readonly string[] MigrationDueLogs = [$"schema before: {OldHead}", $"schema head: {NewHead}", $"schema after: {NewHead}"];

    [Test]
    public async Task A_cloud_sql_rollout_with_a_migration_takes_a_backup_run_before_the_migration_job_is_created()
    {
        // Given a ready deploy, and a new image whose migration is due
        await using var environment = await DeployEnvironment.DeployedAsync("cloud-sql");
        var oldImage = MakeMigrationDue(environment);
        var instance = environment.Google.CloudSql.Instance(GoogleTestSetup.Project, GoogleTestSetup.Instance)!;
        Assert.That(instance.BackupRuns, Is.Empty, "the first deploy found an empty database: nothing to back up");
        var kubeRequestsBefore = environment.Kube.Requests.Count;

        // When
        var upgrade = await environment.Build("cloud-sql").RunAsync("--target=Deploy");

        // Then
        Assert.That(upgrade.ExitCode, Is.Zero, upgrade.ToString());
        var run = instance.BackupRuns.Single();
        var backupPosted = environment.Google.Requests.Single(request => request.Method == "POST" && request.Path.EndsWith("/backupRuns", StringComparison.Ordinal));
        var lastOperationPoll = environment.Google.Requests.Last(request => request.Path.Contains("/operations/", StringComparison.Ordinal));
        var migrationJobCreated = environment.Kube.Requests.Skip(kubeRequestsBefore)
            .First(request => request.IsMutation && request.Status < 400 && request.Path.Contains("/jobs/mlflow-migrate-", StringComparison.Ordinal));
        Assert.Multiple(async () =>
        {
            Assert.That(backupPosted.Timestamp, Is.LessThan(migrationJobCreated.Timestamp), "backup run requested before the migration Job was written");
            Assert.That(lastOperationPoll.Timestamp, Is.LessThan(migrationJobCreated.Timestamp), "backup operation DONE before the migration Job was written");
            Assert.That(run.Status, Is.EqualTo("SUCCESSFUL"));
            Assert.That(run.Description, Is.EqualTo($"mlflow-gke-deploy before migration {OldHead}→{NewHead}, image {oldImage[(oldImage.IndexOf('@', StringComparison.Ordinal) + 1)..]}→{await environment.PushedDigestAsync()}"));
            Assert.That(upgrade.Output, Does.Contain($"Backup taken before the schema migration: {run.Id} (to go back: `gcloud sql backups restore {run.Id} --restore-instance={GoogleTestSetup.Instance} --project={GoogleTestSetup.Project}`)"));
        });
    }

    [Test]
    public async Task An_in_cluster_rollout_with_a_migration_runs_the_dump_job_to_completion_before_the_migration_job_is_created()
    {
        // Given a ready deploy, and a new image whose migration is due
        await using var environment = await DeployEnvironment.DeployedAsync("in-cluster");
        MakeMigrationDue(environment);
        var kubeRequestsBefore = environment.Kube.Requests.Count;

        // When
        var upgrade = await environment.Build("in-cluster").RunAsync("--target=Deploy");

        // Then
        Assert.That(upgrade.ExitCode, Is.Zero, upgrade.ToString());
        var writes = environment.Kube.Requests.Skip(kubeRequestsBefore).Where(request => request.IsMutation && request.Status < 400).ToList();
        var dumpJobCreated = writes.FindIndex(request => request.Path.Contains("/jobs/mlflow-backup-", StringComparison.Ordinal));
        var dumpRecorded = writes.FindIndex(request => request.Path.EndsWith("/persistentvolumeclaims/mlflow-backups", StringComparison.Ordinal) && request.Method == "PATCH" && request.ContentType != "application/apply-patch+yaml");
        var migrationJobCreated = writes.FindIndex(request => request.Path.Contains("/jobs/mlflow-migrate-", StringComparison.Ordinal));
        var claim = environment.Kube.Get("PersistentVolumeClaim", DeployEnvironment.Namespace, "mlflow-backups");
        var dump = claim?["metadata"]?["annotations"]?["mlflow-gke-deploy/last-backup"]?.GetValue<string>();
        Assert.Multiple(() =>
        {
            Assert.That(dumpJobCreated, Is.GreaterThanOrEqualTo(0), string.Join(Environment.NewLine, writes));
            Assert.That(dumpRecorded, Is.GreaterThan(dumpJobCreated), "the dump is recorded once its Job completed");
            Assert.That(migrationJobCreated, Is.GreaterThan(dumpRecorded), "the migration Job is written after the dump completed");
            Assert.That(dump, Does.Match($"^mlflowdb-[0-9]{{8}}-[0-9]{{6}}-schema-{OldHead}\\.dump$"));
            Assert.That(upgrade.Output, Does.Contain($"Backup taken before the schema migration: mlflow-backups:{dump}"));
        });
    }

    [Test]
    public async Task With_skip_backup_the_migration_runs_without_a_backup_and_the_log_says_so_loudly()
    {
        // Given a ready deploy, and a new image whose migration is due
        await using var environment = await DeployEnvironment.DeployedAsync("cloud-sql");
        MakeMigrationDue(environment);

        // When
        var upgrade = await environment.Build("cloud-sql").RunAsync("--target=Deploy", "--skip-backup");

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(upgrade.ExitCode, Is.Zero, upgrade.ToString());
            Assert.That(environment.Google.CloudSql.Instance(GoogleTestSetup.Project, GoogleTestSetup.Instance)!.BackupRuns, Is.Empty);
            Assert.That(upgrade.All, Does.Contain($"NO BACKUP was taken before the schema migration (SKIP_BACKUP=true): a failed or unwanted migration cannot be undone. Migrating schema {OldHead} (MLflow 3.5) → {NewHead}."));
            Assert.That(upgrade.All.Split("NO BACKUP was taken").Length - 1, Is.EqualTo(2), "in the log and again in the closing summary");
        });
    }

    [Test]
    public async Task A_plan_lists_the_backup_it_would_take_before_a_migration_and_takes_none()
    {
        // Given a ready in-cluster deploy, and a new image
        await using var environment = await DeployEnvironment.DeployedAsync("in-cluster");
        MakeMigrationDue(environment);
        var push = await environment.Build("in-cluster").RunAsync("--target=PushImage");
        Assert.That(push.ExitCode, Is.Zero, push.ToString());
        var kubeWrites = environment.Kube.Mutations.Count;

        // When
        var plan = await environment.Build("in-cluster").RunAsync("--target=Deploy", "--plan");

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(plan.ExitCode, Is.Zero, plan.ToString());
            Assert.That(plan.Output, Does.Contain("If they differ: take a pg_dump of database mlflowdb (custom format) to the volume mlflow-backups, by a Job first, then scale deployment.apps/mlflow to zero"));
            Assert.That(environment.Kube.Mutations.Skip(kubeWrites), Is.Empty);
        });
    }

    /// <summary>After a first Deploy on an empty database, a new image whose check and migration Job report a new schema head; returns the deployed image.</summary>
    private static string MakeMigrationDue(DeployEnvironment environment)
    {
        environment.Image.ChangeMarker("a new migration\n");
        environment.Kube.Controller.JobLogs = MigrationDueLogs;
        return environment.DeploymentImage("mlflow")!;
    }
}
