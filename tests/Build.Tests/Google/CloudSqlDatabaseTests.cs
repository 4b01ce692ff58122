using MlflowGke.Build.Google;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Fakes.Google;
using static MlflowGke.Build.Tests.Google.GoogleTestSetup;

namespace MlflowGke.Build.Tests.Google;

/// <summary>CreateDatabase's Cloud SQL Admin calls and their documented failures, in process against the fake.</summary>
[TestFixture]
public sealed class CloudSqlDatabaseTests
{
    private FakeGoogleCloud _fake = null!;
    private GoogleCloud _google = null!;
    private RecordingLog _log = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _fake = await StartFakeAsync();
        _google = Clients(_fake);
        _log = new RecordingLog();
    }

    [TearDown]
    public async Task StopAsync()
    {
        _google.Dispose();
        await _fake.DisposeAsync();
    }

    private FakeInstance Instance => _fake.CloudSql.Instance(Project, GoogleTestSetup.Instance)!;

    private int OperationPolls => _fake.Requests.Count(request => request.Path.Contains("/operations/", StringComparison.Ordinal));

    [Test]
    public async Task OperationsThatTakeSeveralPolls_AreWaitedFor()
    {
        _fake.Atomically(() => _fake.Faults.OperationPollsBeforeDone = 3);

        await EnsureAsync();

        Assert.That(Instance.Databases, Does.Contain("mlflowdb"));
        Assert.That(Instance.Users, Does.ContainKey("mlflow").WithValue(DatabasePassword));
        Assert.That(OperationPolls, Is.EqualTo(2 * 4));
    }

    [Test]
    public async Task InsertAnsweringAlreadyExists_CountsAsSuccess()
    {
        _fake.Atomically(() => _fake.Faults.DatabaseCreatedConcurrently = true);

        await EnsureAsync();

        Assert.That(Instance.Databases, Does.Contain("mlflowdb"));
        Assert.That(_log.Lines, Has.Some.Contains("creating database mlflowdb: it already exists"));
    }

    [Test]
    public async Task OperationEndingWithAlreadyExists_CountsAsSuccess()
    {
        _fake.Atomically(() => _fake.Faults.NextOperationError = ("ERROR_RDBMS", "database \"mlflowdb\" already exists"));

        await EnsureAsync();

        Assert.That(_log.Lines, Has.Some.Contains("creating database mlflowdb: it already exists"));
    }

    [Test]
    public void OperationEndingWithAnotherError_Fails_WithTheOperationsError()
    {
        _fake.Atomically(() => _fake.Faults.NextOperationError = ("ERROR_RDBMS", "disk quota exceeded"));

        var exception = Assert.ThrowsAsync<InvalidOperationException>(EnsureAsync);

        Assert.That(exception.Message, Does.Contain("failed: ERROR_RDBMS: disk quota exceeded"));
        Assert.That(Instance.Databases, Does.Not.Contain("mlflowdb"));
    }

    [Test]
    public async Task OperationInProgress_IsWaitedOut()
    {
        _fake.Atomically(() => _fake.Faults.OperationsInProgress = 2);

        await EnsureAsync();

        Assert.That(Instance.Databases, Does.Contain("mlflowdb"));
        Assert.That(_fake.Requests.Count(request => request is { Method: "POST" } && request.Path.EndsWith("/databases", StringComparison.Ordinal)), Is.EqualTo(3));
    }

    [Test]
    public void OperationThatNeverFinishes_TimesOut_NamingTheOperation()
    {
        _fake.Atomically(() => _fake.Faults.OperationPollsBeforeDone = int.MaxValue);
        using var google = Clients(_fake, firstDelayMilliseconds: 1);

        var exception = Assert.ThrowsAsync<TimeoutException>(() => new CloudSqlDatabase(google.SqlAdmin, google.Retry, _log.Gate(), _log).EnsureAsync(DeploySettingsOf(SettingValues()), CancellationToken.None));

        Assert.That(exception.Message, Does.Contain($"Gave up waiting after {google.Retry.Options.OperationTimeout}: Cloud SQL operation").And.Contain("creating database mlflowdb"));
    }

    [Test]
    public async Task ExistingDatabaseAndUser_NoMutatingCall_AndThePasswordIsLeftAlone()
    {
        _fake.Atomically(() =>
        {
            Instance.Databases.Add("mlflowdb");
            Instance.Users["mlflow"] = "set-by-someone";
            return 0;
        });

        await EnsureAsync();

        Assert.That(_fake.MutatingRequests, Is.Empty);
        Assert.That(Instance.Users["mlflow"], Is.EqualTo("set-by-someone"));
    }

    [Test]
    public void MissingInstance_IsExplainedWithItsSetting()
    {
        var values = SettingValues();
        values[SettingNames.CloudSqlInstanceName] = "other-instance";

        var exception = Assert.ThrowsAsync<GoogleSetupException>(() => Database().EnsureAsync(DeploySettingsOf(values), CancellationToken.None));

        Assert.That(exception.Message, Does.Contain($"Cloud SQL instance other-instance does not exist in project {Project}").And.Contain(SettingNames.CloudSqlInstanceName));
        Assert.That(_fake.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public void DisabledApi_NamesTheApiAndTheCommandThatEnablesIt()
    {
        _fake.Atomically(() => _fake.Faults.DisabledApis.Add("sqladmin.googleapis.com"));

        var exception = Assert.ThrowsAsync<GoogleApiException>(EnsureAsync);

        Assert.That(exception.Message, Does.Contain($"The sqladmin.googleapis.com API is not enabled in project {Project}").And.Contain($"gcloud services enable sqladmin.googleapis.com --project={Project}"));
    }

    [Test]
    public void PermissionDenied_NamesThePermissionAndARole()
    {
        _fake.Atomically(() => _fake.Faults.DeniedPermissions.Add("cloudsql.databases.create"));

        var exception = Assert.ThrowsAsync<GoogleApiException>(EnsureAsync);

        Assert.That(exception.Message, Does.Contain("cloudsql.databases.create").And.Contain("roles/cloudsql.admin"));
    }

    private CloudSqlDatabase Database() => new(_google.SqlAdmin, _google.Retry, _log.Gate(), _log);

    private Task EnsureAsync() => Database().EnsureAsync(DeploySettingsOf(SettingValues()), CancellationToken.None);
}
