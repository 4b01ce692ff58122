using MlflowGke.Build.Backup;
using MlflowGke.Build.Kubernetes;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// The in-cluster backup's Job, run as its pod would run (the postgres image's pg_dump, the login from the Secret Apply
/// wrote, the volume mlflow-backups) against a real PostgreSQL holding a database MLflow 2.4.0 wrote; the dump restores.
/// </summary>
[TestFixture]
[Category(RealMlflowRequirement.Category)]
[Category("Kubectl")]
public sealed class PostgresDumpJobTests
{
    private const string Release24Revision = "7f2a7d5fae7d";

    [Test]
    public async Task The_dump_job_writes_a_custom_format_dump_of_a_2_4_database_that_restores_into_a_fresh_database()
    {
        // Given a database the seed guide's MLflow 2.4.0 wrote, behind what Apply sent for the in-cluster path
        var release24 = RealMlflowRequirement.CheckRelease24();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        await using var applied = await AppliedMlflow.ApplyAsync("in-cluster", "unused-on-the-in-cluster-path");
        var database = await applied.CreateDatabaseAsync();
        await using (var seedGuideServer = await ReleaseServer.StartAsync(release24, applied.LocalUri(database), timeout.Token))
        {
            using var api = new HttpClient { BaseAddress = seedGuideServer.BaseAddress };
            await SeedGuideRecords.Sample.WriteAsync(api, timeout.Token);
        }

        var postgresImage = applied.Objects.Get("StatefulSet", applied.Namespace, "postgres")["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>();
        var dump = new PostgresDumpSpec(applied.Namespace, "mlflowdb", postgresImage, DateTimeOffset.UtcNow, new BackupReason(new SchemaState(Release24Revision, "bf29a5ff90ea"), null, "mlflow@sha256:new"), TimeSpan.FromMinutes(5));
        var job = dump.Job();
        var objects = new AppliedObjects([.. applied.Objects.Items, job]);

        // When its pod runs
        await using var pod = await applied.Kubelet(database).StartPodAsync($"{dump.JobName}-local", job["spec"]!["template"]!.DeepClone().AsObject(), applied.Namespace, objects, timeout.Token);
        await pod.WaitForCompletionAsync(TimeSpan.FromMinutes(2), timeout.Token);

        // Then the dump is on the volume, complete, and restores the 2.4-era experiment and schema into a fresh database
        var file = Path.Combine(applied.VolumeClaimsFolder, PostgresDumpJob.ClaimName, dump.File);
        var restored = await applied.CreateDatabaseAsync();
        await applied.Postgres.RestoreAsync(file, restored);
        Assert.Multiple(async () =>
        {
            Assert.That(dump.File, Does.EndWith($"-schema-{Release24Revision}.dump"));
            Assert.That(File.ReadAllBytes(file).Take(5), Is.EqualTo("PGDMP"u8.ToArray()), "pg_dump's custom format");
            Assert.That(File.Exists($"{file}.partial"), Is.False);
            Assert.That(pod.Output, Does.Contain($"dump written: {PostgresDumpJob.MountPath}/{dump.File}").Or.Contain($"dump written: {file}"));
            Assert.That(pod.CommandLines(), Has.None.Contains(applied.Login.Password), "the password reaches pg_dump through the environment only");
            Assert.That(await applied.Postgres.ExecuteAsync("SELECT name FROM experiments ORDER BY experiment_id DESC LIMIT 1", restored), Is.EqualTo(SeedGuideRecords.Sample.ExperimentName));
            Assert.That(await applied.Postgres.ExecuteAsync("SELECT version_num FROM alembic_version", restored), Is.EqualTo(Release24Revision));
        });
    }
}
