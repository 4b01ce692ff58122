using MlflowGke.Build.Google;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Fakes.Google;
using static MlflowGke.Build.Tests.Google.GoogleTestSetup;

namespace MlflowGke.Build.Tests.Google;

/// <summary>CreateDatabase's Cloud SQL Admin calls and their documented failures, in process against the fake.</summary>
[TestFixture]
public sealed class CloudSqlDatabaseTests : GoogleClientTests
{
    private FakeInstance Instance => FakeCloud.CloudSql.Instance(Project, GoogleTestSetup.Instance)!;

    private int OperationPolls => FakeCloud.Requests.Count(request => request.Path.Contains("/operations/", StringComparison.Ordinal));

    [Test]
    public async Task OperationsThatTakeSeveralPolls_AreWaitedFor()
    {
        FakeCloud.Atomically(() => FakeCloud.Faults.OperationPollsBeforeDone = 3);

        await EnsureAsync();

        Assert.That(Instance.Databases, Does.Contain("mlflowdb").And.Contain("mlflow_auth"));
        Assert.That(Instance.Users, Does.ContainKey("mlflow").WithValue(DatabasePassword));
        Assert.That(OperationPolls, Is.EqualTo(3 * 4), "two databases and a user");
    }

    [Test]
    public async Task Auth_none_creates_no_auth_database()
    {
        // Given
        var values = SettingValues();
        values["AUTH"] = "none";

        // When
        await EnsureAsync(Database(), values);

        // Then
        Assert.That(Instance.Databases, Does.Contain("mlflowdb").And.Not.Contain("mlflow_auth"));
    }

    [Test]
    public async Task InsertAnsweringAlreadyExists_CountsAsSuccess()
    {
        FakeCloud.Atomically(() => FakeCloud.Faults.DatabaseCreatedConcurrently = true);

        await EnsureAsync();

        Assert.That(Instance.Databases, Does.Contain("mlflowdb"));
        Assert.That(Log.Lines, Has.Some.Contains("creating database mlflowdb: it already exists"));
    }

    [Test]
    public async Task OperationEndingWithAlreadyExists_CountsAsSuccess()
    {
        FakeCloud.Atomically(() => FakeCloud.Faults.NextOperationError = ("ERROR_RDBMS", "database \"mlflowdb\" already exists"));

        await EnsureAsync();

        Assert.That(Log.Lines, Has.Some.Contains("creating database mlflowdb: it already exists"));
    }

    [Test]
    public void OperationEndingWithAnotherError_Fails_WithTheOperationsError()
    {
        FakeCloud.Atomically(() => FakeCloud.Faults.NextOperationError = ("ERROR_RDBMS", "disk quota exceeded"));

        var exception = Assert.ThrowsAsync<InvalidOperationException>(EnsureAsync);

        Assert.That(exception.Message, Does.Contain("failed: ERROR_RDBMS: disk quota exceeded"));
        Assert.That(Instance.Databases, Does.Not.Contain("mlflowdb"));
    }

    [Test]
    public async Task OperationInProgress_IsWaitedOut()
    {
        FakeCloud.Atomically(() => FakeCloud.Faults.OperationsInProgress = 2);

        await EnsureAsync();

        Assert.That(Instance.Databases, Does.Contain("mlflowdb"));
        Assert.That(FakeCloud.Requests.Count(request => request is { Method: "POST" } && request.Path.EndsWith("/databases", StringComparison.Ordinal)), Is.EqualTo(4), "mlflowdb waits out two, then mlflow_auth");
    }

    [Test]
    public void OperationThatNeverFinishes_TimesOut_NamingTheOperation()
    {
        FakeCloud.Atomically(() => FakeCloud.Faults.OperationPollsBeforeDone = int.MaxValue);
        using var google = Clients(FakeCloud, firstDelayMilliseconds: 1);

        var exception = Assert.ThrowsAsync<TimeoutException>(() => EnsureAsync(new CloudSqlDatabase(google.SqlAdmin, new SqlOperationRunner(google.SqlAdmin, google.Retry), Log.Gate(), Log), SettingValues()));

        Assert.That(exception.Message, Does.Contain($"Gave up waiting after {google.Retry.Options.OperationTimeout}: Cloud SQL operation").And.Contain("creating database mlflowdb"));
    }

    /// <summary>The seed guide's mlflowdb and its user, on either engine, are taken over as they are.</summary>
    [TestCase("postgres")]
    [TestCase("mysql")]
    public async Task ExistingDatabaseAndUser_NoMutatingCall_AndThePasswordIsLeftAlone(string engine)
    {
        FakeCloud.Atomically(() =>
        {
            Instance.Databases.Add("mlflowdb");
            Instance.Databases.Add("mlflow_auth");
            Instance.Users["mlflow"] = "set-by-someone";
            return 0;
        });
        var values = SettingValues();
        values[SettingNames.CloudSqlEngine] = engine;

        await EnsureAsync(Database(), values);

        Assert.That(FakeCloud.MutatingRequests, Is.Empty);
        Assert.That(Instance.Users["mlflow"], Is.EqualTo("set-by-someone"));
    }

    [TestCase("POSTGRES_16", "mlflow-csql-proxy-t1@mlflow-test-project.iam")]
    [TestCase("MYSQL_8_0", "mlflow-csql-proxy-t1")]
    public async Task IamAuth_CreatesTheProxysServiceAccountAsAnIamUser_NamedAsTheEngineNamesIt(string databaseVersion, string login)
    {
        FakeCloud.Atomically(() => FakeCloud.CloudSql.AddInstance(Project, GoogleTestSetup.Instance, databaseVersion));
        var values = SettingValues();
        values[SettingNames.CloudSqlAuth] = "iam";
        values[SettingNames.CloudSqlEngine] = databaseVersion.StartsWith("MYSQL", StringComparison.Ordinal) ? "mysql" : "postgres";
        values.Remove(SettingNames.DatabasePassword);

        await EnsureAsync(Database(), values);

        Assert.That(Instance.IamServiceAccountUsers, Is.EqualTo(new[] { login }));
        Assert.That(Instance.Users.Keys, Is.EqualTo(new[] { "postgres" }), "no built-in user, no password");
        Assert.That(Log.Lines, Has.Some.Contains($"create IAM database user {login} (type CLOUD_IAM_SERVICE_ACCOUNT"));
    }

    [Test]
    public void MissingInstance_IsExplainedWithItsSetting()
    {
        var values = SettingValues();
        values[SettingNames.CloudSqlInstanceName] = "other-instance";

        var exception = Assert.ThrowsAsync<GoogleSetupException>(() => EnsureAsync(Database(), values));

        Assert.That(exception.Message, Does.Contain($"Cloud SQL instance other-instance does not exist in project {Project}").And.Contain(SettingNames.CloudSqlInstanceName));
        Assert.That(FakeCloud.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public void DisabledApi_NamesTheApiAndTheCommandThatEnablesIt()
    {
        FakeCloud.Atomically(() => FakeCloud.Faults.DisabledApis.Add("sqladmin.googleapis.com"));

        var exception = Assert.ThrowsAsync<GoogleApiException>(EnsureAsync);

        Assert.That(exception.Message, Does.Contain($"The sqladmin.googleapis.com API is not enabled in project {Project}").And.Contain($"gcloud services enable sqladmin.googleapis.com --project={Project}"));
    }

    [Test]
    public void PermissionDenied_NamesThePermissionAndARole()
    {
        FakeCloud.Atomically(() => FakeCloud.Faults.DeniedPermissions.Add("cloudsql.databases.create"));

        var exception = Assert.ThrowsAsync<GoogleApiException>(EnsureAsync);

        Assert.That(exception.Message, Does.Contain("cloudsql.databases.create").And.Contain("roles/cloudsql.admin"));
    }

    private CloudSqlDatabase Database() => new(Api.SqlAdmin, new SqlOperationRunner(Api.SqlAdmin, Api.Retry), Log.Gate(), Log);

    private Task EnsureAsync() => EnsureAsync(Database(), SettingValues());

    /// <summary>CreateDatabase's call: the Cloud SQL target and login of the topology these settings make.</summary>
    private static Task EnsureAsync(CloudSqlDatabase database, Dictionary<string, string> values)
    {
        var topology = new Topology(DeploySettingsOf(values));
        return database.EnsureAsync(topology.CloudSql!, topology.DatabaseLogin.Password, CancellationToken.None);
    }
}
