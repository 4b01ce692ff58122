using System.Net;
using MlflowGke.Build.Backup;
using MlflowGke.Build.Google;
using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Fakes.Google;
using static MlflowGke.Build.Tests.Google.GoogleTestSetup;

namespace MlflowGke.Build.Tests.Google;

/// <summary>The backup run before a migration, in process against the fake Cloud SQL Admin API and its documented failures.</summary>
[TestFixture]
public sealed class CloudSqlBackupTests : GoogleClientTests
{
    private static readonly CloudSqlInstance Target = new(Project, Region, GoogleTestSetup.Instance);
    private static readonly BackupReason Reason = new(new SchemaState("7f2a7d5fae7d", "bf29a5ff90ea"), "registry/mlflow@sha256:old", "registry/mlflow@sha256:new");

    private FakeInstance Instance => FakeCloud.CloudSql.Instance(Project, GoogleTestSetup.Instance)!;

    private CloudSqlBackup Backup() => new(Api.SqlAdmin, new SqlOperationRunner(Api.SqlAdmin, Api.Retry), Target);

    [Test]
    public async Task A_backup_run_is_waited_for_and_its_id_comes_from_the_operation()
    {
        // Given an operation that is PENDING/RUNNING for three polls
        FakeCloud.Atomically(() => FakeCloud.Faults.OperationPollsBeforeDone = 3);

        // When
        var backup = await Backup().TakeAsync(Reason, CancellationToken.None);

        // Then
        var run = Instance.BackupRuns.Single();
        Assert.Multiple(() =>
        {
            Assert.That(backup.Id, Is.EqualTo(run.Id));
            Assert.That(run.Status, Is.EqualTo("SUCCESSFUL"));
            Assert.That(run.Description, Is.EqualTo("mlflow-gke-deploy before migration 7f2a7d5fae7d→bf29a5ff90ea, image sha256:old→sha256:new"));
            Assert.That(backup.RestoreCommand, Is.EqualTo($"`gcloud sql backups restore {run.Id} --restore-instance={GoogleTestSetup.Instance} --project={Project}`"));
        });
    }

    [TestCase(HttpStatusCode.TooManyRequests)]
    [TestCase(HttpStatusCode.ServiceUnavailable)]
    public async Task Throttled_or_unavailable_answers_are_retried_and_one_backup_run_is_made(HttpStatusCode code)
    {
        // Given
        FakeCloud.Atomically(() =>
        {
            FakeCloud.Faults.Burst(2, code, "/backupRuns");
            return 0;
        });

        // When
        var backup = await Backup().TakeAsync(Reason, CancellationToken.None);

        // Then
        Assert.That(Instance.BackupRuns.Select(run => run.Id), Is.EqualTo(new[] { backup.Id }));
    }

    [Test]
    public async Task Another_operation_on_the_instance_is_waited_out()
    {
        // Given
        FakeCloud.Atomically(() => FakeCloud.Faults.OperationsInProgress = 2);

        // When
        await Backup().TakeAsync(Reason, CancellationToken.None);

        // Then
        Assert.That(FakeCloud.Requests.Count(request => request is { Method: "POST" } && request.Path.EndsWith("/backupRuns", StringComparison.Ordinal)), Is.EqualTo(3));
    }

    [Test]
    public void A_backup_operation_that_ends_with_an_error_fails_with_that_error_and_says_nothing_was_migrated()
    {
        // Given
        FakeCloud.Atomically(() => FakeCloud.Faults.NextBackupRunError = ("INTERNAL_ERROR", "An internal error occurred while backing up the instance."));

        // When
        var exception = Assert.ThrowsAsync<BackupFailedException>(() => Backup().TakeAsync(Reason, CancellationToken.None));

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(exception.Message, Does.Contain("failed (operation ").And.Contain("INTERNAL_ERROR: An internal error occurred while backing up the instance.")
                .And.Contain("The database schema was not migrated").And.Contain($"--skip-backup ({SettingNames.SkipBackup}=true)"));
            Assert.That(Instance.BackupRuns.Single().Status, Is.EqualTo("FAILED"));
        });
    }

    [Test]
    public async Task The_last_backup_is_the_newest_run_with_its_description()
    {
        // Given two backups
        await Backup().TakeAsync(Reason, CancellationToken.None);
        var newest = await Backup().TakeAsync(Reason with { Schema = new SchemaState("bf29a5ff90ea", "1b5f0d9ad7c1") }, CancellationToken.None);

        // When
        var last = await Backup().LastAsync(CancellationToken.None);

        // Then
        Assert.That(last, Does.StartWith($"{newest.Id} (ON_DEMAND, SUCCESSFUL, ").And.EndWith(": mlflow-gke-deploy before migration bf29a5ff90ea→1b5f0d9ad7c1, image sha256:old→sha256:new)"));
    }
}
