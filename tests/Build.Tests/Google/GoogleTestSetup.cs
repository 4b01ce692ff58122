using Cake.Core.Diagnostics;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Google;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Fakes.Google;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Google;

/// <summary>One project as the tests see it: names, a fake Google Cloud seeded with MLflow's SA and a Cloud SQL instance.</summary>
public static class GoogleTestSetup
{
    public const string Project = "mlflow-test-project";
    public const string Region = "europe-west1";
    public const string Instance = "mlflow-pg";
    public const string MlflowAccountId = "mlflow-tracking";
    public const string Suffix = "t1";
    public const string DatabasePassword = "s3cret-db-password-never-printed";
    public const string MlflowEmail = $"{MlflowAccountId}@{Project}.iam.gserviceaccount.com";
    public const string ProxyEmail = $"mlflow-csql-proxy-{Suffix}@{Project}.iam.gserviceaccount.com";
    public const string WorkloadIdentityUser = "roles/iam.workloadIdentityUser";

    public static string KsaMember(string ns, string ksa) => $"serviceAccount:{Project}.svc.id.goog[{ns}/{ksa}]";

    public static async Task<FakeGoogleCloud> StartFakeAsync()
    {
        var fake = await FakeGoogleCloud.StartAsync(Project);
        fake.AddServiceAccount(MlflowEmail, "MLflow tracking server");
        fake.Atomically(() => fake.CloudSql.AddInstance(Project, Instance));
        return fake;
    }

    public static Dictionary<string, string> SettingValues(string database = "cloud-sql", string ns = "mlflow") => new()
    {
        [SettingNames.ProjectId] = Project,
        [SettingNames.Region] = Region,
        [SettingNames.MlflowServiceAccountId] = MlflowAccountId,
        [SettingNames.ResourceSuffix] = Suffix,
        [SettingNames.CloudSqlInstanceName] = Instance,
        [SettingNames.Database] = database,
        [SettingNames.Namespace] = ns,
        [SettingNames.DatabasePassword] = DatabasePassword,
        [SettingNames.GoogleRetryDelay] = "5ms",
    };

    /// <summary>The build as a process, talking to <paramref name="fake"/> with a static token.</summary>
    public static BuildProcess Process(FakeGoogleCloud fake, string database = "cloud-sql", string ns = "mlflow")
    {
        var process = new BuildProcess();
        foreach (var (name, value) in SettingValues(database, ns))
        {
            process.Environment[name] = value;
        }

        process.Environment[GoogleAccessToken.StaticTokenVariable] = FakeGoogleCloud.AccessToken;
        process.Environment[GoogleEndpoints.IamOverride] = fake.Uri.ToString();
        process.Environment[GoogleEndpoints.ResourceManagerOverride] = fake.Uri.ToString();
        process.Environment[GoogleEndpoints.SqlAdminOverride] = fake.Uri.ToString();
        process.Environment[GoogleEndpoints.ContainerOverride] = fake.Uri.ToString();
        return process;
    }

    public static DeploySettings DeploySettingsOf(Dictionary<string, string> values)
    {
        var settings = TestSettings.Parse(values);
        Assert.That(settings.Errors, Is.Empty);
        return settings;
    }

    /// <summary>The suite's clients, in this process, pointed at <paramref name="fake"/>.</summary>
    public static GoogleCloud Clients(FakeGoogleCloud fake, string token = FakeGoogleCloud.AccessToken, int firstDelayMilliseconds = 5) =>
        new(new GoogleEndpoints(fake.Uri, fake.Uri, fake.Uri, fake.Uri), GoogleAccessToken.Static(token), new GoogleRetryOptions(TimeSpan.FromMilliseconds(firstDelayMilliseconds)));

    public static void AssertNoSecretPrinted(BuildResult result)
    {
        Assert.That(result.All, Does.Not.Contain(FakeGoogleCloud.AccessToken));
        Assert.That(result.All, Does.Not.Contain(DatabasePassword));
    }
}

/// <summary>An ICakeLog that keeps what it was given, for in-process tests of code that logs.</summary>
public sealed class RecordingLog : ICakeLog
{
    private readonly List<string> _lines = [];

    public Verbosity Verbosity { get; set; } = Verbosity.Diagnostic;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args)
    {
        lock (_lines)
        {
            _lines.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
        }
    }

    public ChangeGate Gate(bool isPlan = false) => new(isPlan, this);
}
