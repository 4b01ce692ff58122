using MlflowGke.Build.Backup;
using MlflowGke.Build.Kubernetes;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// The in-cluster backup's and Restore's Jobs, run as their pods would run (the postgres image's pg_dump and pg_restore,
/// the login from the Secret Apply wrote, the volume mlflow-backups) against a real PostgreSQL holding a database MLflow
/// 2.4.0 wrote: the dump restores into a fresh database, and Restore brings a database migrated to 3.x back to 2.4.
/// </summary>
[TestFixture]
[Category(RealMlflowRequirement.Category)]
[Category("Kubectl")]
public sealed class PostgresDumpJobTests
{
    private const string Release24Revision = "7f2a7d5fae7d";
    private static readonly BackupReason Reason = new(new SchemaState(Release24Revision, "bf29a5ff90ea"), null, "mlflow@sha256:new");

    [Test]
    public async Task The_dump_job_writes_a_custom_format_dump_of_a_2_4_database_that_restores_into_a_fresh_database()
    {
        // Given a database the seed guide's MLflow 2.4.0 wrote, behind what Apply sent for the in-cluster path
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        await using var applied = await AppliedMlflow.ApplyAsync("in-cluster", "unused-on-the-in-cluster-path");
        var database = await SeedGuideDatabaseAsync(applied, timeout.Token);
        var dump = PostgresVolumeJob.Dump(applied.Namespace, "mlflowdb", PostgresImage(applied), DateTimeOffset.UtcNow, Reason, TimeSpan.FromMinutes(5));

        // When its pod runs
        var (output, commandLines) = await RunAsync(applied, database, dump, timeout.Token);

        // Then the dump is on the volume, complete, and restores the 2.4-era experiment and schema into a fresh database
        var file = Path.Combine(applied.VolumeClaimsFolder, PostgresDumpJob.ClaimName, dump.File);
        var restored = await applied.CreateDatabaseAsync();
        await applied.Postgres.RestoreAsync(file, restored);
        Assert.Multiple(async () =>
        {
            Assert.That(dump.File, Does.EndWith($"-schema-{Release24Revision}.dump"));
            Assert.That(File.ReadAllBytes(file).Take(5), Is.EqualTo("PGDMP"u8.ToArray()), "pg_dump's custom format");
            Assert.That(File.Exists($"{file}.partial"), Is.False);
            Assert.That(output, Does.Contain($"dump written: {file}"));
            Assert.That(commandLines, Has.None.Contains(applied.Login.Password), "the password reaches pg_dump through the environment only");
            Assert.That(await applied.Postgres.ExecuteAsync("SELECT name FROM experiments ORDER BY experiment_id DESC LIMIT 1", restored), Is.EqualTo(SeedGuideRecords.Sample.ExperimentName));
            Assert.That(await applied.Postgres.ExecuteAsync("SELECT version_num FROM alembic_version", restored), Is.EqualTo(Release24Revision));
        });
    }

    [Test]
    public async Task The_restore_job_brings_a_database_migrated_to_3_x_back_to_its_2_4_dump()
    {
        // Given a 2.4 database, its dump on the volume, then the database migrated to the current MLflow
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        await using var applied = await AppliedMlflow.ApplyAsync("in-cluster", "unused-on-the-in-cluster-path");
        var database = await SeedGuideDatabaseAsync(applied, timeout.Token);
        var image = PostgresImage(applied);
        var dump = PostgresVolumeJob.Dump(applied.Namespace, "mlflowdb", image, DateTimeOffset.UtcNow, Reason, TimeSpan.FromMinutes(5));
        await RunAsync(applied, database, dump, timeout.Token);
        await MlflowSchema.InitialiseAsync(applied.Mlflow, applied.LocalUri(database));
        var migrated = await MlflowSchema.RevisionAsync(applied.Mlflow, applied.LocalUri(database));

        // the postgres image's POSTGRES_USER is a superuser; the local login gets what dropdb and createdb need
        await applied.Postgres.ExecuteAsync($"ALTER ROLE \"{applied.Login.User}\" CREATEDB;");

        // When Restore's Job runs
        var restore = PostgresVolumeJob.Restore(applied.Namespace, "mlflowdb", image, DateTimeOffset.UtcNow, dump.File, TimeSpan.FromMinutes(5));
        var (output, _) = await RunAsync(applied, database, restore, timeout.Token);

        // Then
        Assert.Multiple(async () =>
        {
            Assert.That(migrated, Is.Not.EqualTo(Release24Revision), "the database had been migrated");
            Assert.That(output, Does.Contain($"restored: {Path.Combine(applied.VolumeClaimsFolder, PostgresDumpJob.ClaimName, dump.File)}"));
            Assert.That(await MlflowSchema.RevisionAsync(applied.Mlflow, applied.LocalUri(database)), Is.EqualTo(Release24Revision));
            Assert.That(await applied.Postgres.ExecuteAsync("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", database), Is.EqualTo("16"), "MLflow 2.4's 16 tables, none of the later schema's");
            Assert.That(await applied.Postgres.ExecuteAsync("SELECT name FROM experiments ORDER BY experiment_id DESC LIMIT 1", database), Is.EqualTo(SeedGuideRecords.Sample.ExperimentName));
        });
    }

    /// <summary>A new database in which the seed guide's MLflow 2.4.0 wrote <see cref="SeedGuideRecords.Sample"/>.</summary>
    private static async Task<string> SeedGuideDatabaseAsync(AppliedMlflow applied, CancellationToken cancellationToken)
    {
        var release24 = RealMlflowRequirement.CheckRelease24();
        var database = await applied.CreateDatabaseAsync();
        await using var seedGuideServer = await ReleaseServer.StartAsync(release24, applied.LocalUri(database), cancellationToken);
        using var api = new HttpClient { BaseAddress = seedGuideServer.BaseAddress };
        await SeedGuideRecords.Sample.WriteAsync(api, cancellationToken);
        return database;
    }

    /// <summary>The image of the in-cluster PostgreSQL StatefulSet Apply sent: the Jobs use the same.</summary>
    private static string PostgresImage(AppliedMlflow applied) =>
        applied.Objects.Get("StatefulSet", applied.Namespace, "postgres")["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>();

    /// <summary>Runs the Job's pod to completion against <paramref name="database"/>; returns what it printed and its command lines.</summary>
    private static async Task<(string Output, IReadOnlyList<string> CommandLines)> RunAsync(AppliedMlflow applied, string database, PostgresVolumeJob volumeJob, CancellationToken cancellationToken)
    {
        var job = volumeJob.Job();
        var objects = new AppliedObjects([.. applied.Objects.Items, job]);
        await using var pod = await applied.Kubelet(database).StartPodAsync($"{volumeJob.JobName}-local", job["spec"]!["template"]!.DeepClone().AsObject(), applied.Namespace, objects, cancellationToken);
        await pod.WaitForCompletionAsync(TimeSpan.FromMinutes(2), cancellationToken);
        return (pod.Output, pod.CommandLines());
    }
}
