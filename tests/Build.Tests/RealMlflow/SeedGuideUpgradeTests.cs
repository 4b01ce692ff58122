using MlflowGke.Build.Kubernetes;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// A database the seed guide's MLflow 2.4.0 wrote, taken over by what Apply sends (the migration Job, then the server)
/// with the current MLflow: the Job migrates it before any server starts, a second rollout migrates nothing, and every
/// 2.4-era record reads back through the new server.
/// </summary>
[TestFixture]
[Category(RealMlflowRequirement.Category)]
[Category("Kubectl")]
public sealed class SeedGuideUpgradeTests
{
    /// <summary>The alembic head of MLflow 2.4.0's schema.</summary>
    private const string Release24Revision = "7f2a7d5fae7d";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(8);
    private MlflowInstallation _release24 = null!;
    private AppliedMlflow _applied = null!;
    private string _database = null!;
    private string _runId = null!;
    private string _revisionWritten = null!;
    private string _revisionAfterJob = null!;
    private string _head = null!;
    private string _firstJobOutput = null!;
    private string _checkOutput = null!;
    private string _revisionAfterCheck = null!;
    private TimeSpan _migrationDuration;
    private LocalRollout? _second;

    [OneTimeSetUp]
    public async Task UpgradeAsync()
    {
        _release24 = RealMlflowRequirement.CheckRelease24();
        using var timeout = new CancellationTokenSource(TestTimeout);
        _applied = await AppliedMlflow.ApplyAsync("in-cluster", ManifestExecutionTests.CloudSqlPassword);
        _database = await _applied.CreateDatabaseAsync();
        var uri = _applied.LocalUri(_database);
        await using (var seedGuideServer = await ReleaseServer.StartAsync(_release24, uri, timeout.Token))
        {
            using var api = new HttpClient { BaseAddress = seedGuideServer.BaseAddress };
            _runId = await SeedGuideRecords.Sample.WriteAsync(api, timeout.Token);
        }

        _revisionWritten = await MlflowSchema.RevisionAsync(_applied.Mlflow, uri);
        _head = await MlflowSchema.HeadRevisionAsync(_applied.Mlflow);
        _checkOutput = await MlflowSchema.CheckAsync(_applied.Mlflow, uri);
        _revisionAfterCheck = await MlflowSchema.RevisionAsync(_applied.Mlflow, uri);
        await using (var first = await _applied.RunJobsAsync(_database, 1, timeout.Token))
        {
            _revisionAfterJob = await MlflowSchema.RevisionAsync(_applied.Mlflow, uri);
            _firstJobOutput = first.JobPods.Single().Output;
            _migrationDuration = first.JobDurations.Values.Single();
        }

        TestContext.Progress.WriteLine($"migration Job on the MLflow 2.4.0 database: {_migrationDuration.TotalSeconds:0.0} s");
        _second = await _applied.RollOutAsync(_database, 1, timeout.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_second != null)
        {
            await _second.DisposeAsync();
        }

        if (_applied != null)
        {
            await _applied.DisposeAsync();
        }
    }

    [Test]
    public void The_migration_job_alone_brings_the_2_4_schema_to_the_image_head()
    {
        Assert.Multiple(() =>
        {
            Assert.That(_revisionWritten, Is.EqualTo(Release24Revision), "MLflow 2.4.0 wrote its own schema");
            Assert.That(_revisionAfterJob, Is.EqualTo(_head), "no server had started when the Job ended");
            Assert.That(_firstJobOutput, Does.Contain($"schema before: {Release24Revision}").And.Contain($"schema after: {_head}"));
        });
    }

    [Test]
    public void The_check_mode_of_the_migration_script_reports_the_due_migration_and_changes_nothing()
    {
        var state = SchemaState.Parse(_checkOutput);

        Assert.Multiple(() =>
        {
            Assert.That(state, Is.EqualTo(new SchemaState(Release24Revision, _head)));
            Assert.That(state.MigrationDue, Is.True);
            Assert.That(_revisionAfterCheck, Is.EqualTo(Release24Revision));
        });
    }

    [Test]
    public void A_second_rollout_migrates_nothing()
    {
        var output = _second!.JobPods.Single().Output;

        Assert.That(output, Does.Contain($"schema before: {_head}").And.Contain($"schema after: {_head}"));
    }

    [Test]
    public async Task Every_record_mlflow_2_4_wrote_reads_back_through_the_new_server()
    {
        // Given
        using var api = new HttpClient { BaseAddress = _second!.Pods.Single().BaseAddress, Timeout = TimeSpan.FromSeconds(30), DefaultRequestHeaders = { Authorization = _applied.Admin.Authorization() } };
        var written = SeedGuideRecords.Sample;

        // When
        var read = await SeedGuideRecords.ReadAsync(api, _runId, CancellationToken.None);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(read.ExperimentName, Is.EqualTo(written.ExperimentName));
            Assert.That(read.Parameters, Is.EquivalentTo(written.Parameters));
            Assert.That(read.Tags, Is.EquivalentTo(written.Tags));
            Assert.That(read.MetricHistory, Is.EqualTo(written.MetricHistory));
            Assert.That((read.ModelName, read.ModelDescription), Is.EqualTo((written.ModelName, written.ModelDescription)));
        });
    }

    [Test]
    public async Task Mlflow_2_4_refuses_the_migrated_schema_naming_the_new_revision()
    {
        // Given the database migrated above
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        // When
        var (exitCode, output) = await ReleaseServer.RefusalAsync(_release24, _applied.LocalUri(_database), timeout.Token);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(output, Does.Contain($"Can't locate revision identified by '{_head}'"));
        });
    }
}
