using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Deployment;
using MlflowGke.Build.Tests.Fakes.Registry;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Rendering;

/// <summary>./build.sh --target=Render as a user runs it: the compiled build in its own process.</summary>
public sealed class RenderTargetTests
{
    private const string SettingsFailure = "setting error(s); nothing was changed";

    private static IEnumerable<TestCaseData> Paths =>
    [
        new TestCaseData(RenderCase.InCluster, "in-cluster").SetArgDisplayNames("in-cluster"),
        new TestCaseData(RenderCase.CloudSqlMySqlPrivate, "cloud-sql").SetArgDisplayNames("cloud-sql"),
    ];

    /// <summary>The in-cluster case sets none of the Cloud SQL settings: they are required on that path only.</summary>
    [TestCaseSource(nameof(Paths))]
    [Category("Kubectl")]
    public async Task Writes_the_manifest_of_the_chosen_path(RenderCase renderCase, string path)
    {
        KubectlAvailability.Require();
        var manifest = Path.Combine(RepositoryLayout.Root, "artifacts", "render", path, "manifest.yaml");
        if (File.Exists(manifest))
        {
            File.Delete(manifest);
        }

        await using var registry = await LocalRegistry.StartAsync();
        var digest = await registry.PushSyntheticImageAsync("mlflow", "3.6.0-process");
        var repository = $"{registry.Host}/mlflow";

        var result = await Run(new Dictionary<string, string>(renderCase.Values) { [SettingNames.ImageRepository] = repository, [SettingNames.ImageTag] = "3.6.0-process" });

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain($"Rendered the {path} manifest for {repository}@{digest} to {manifest}"));
        var rendered = new RenderedManifest(await File.ReadAllTextAsync(manifest));
        Assert.That(rendered.Workload("mlflow").Template.Spec.Containers[0].Image, Is.EqualTo($"{repository}@{digest}"), "pinned to the pushed digest");
        Assert.That(File.Exists(Path.Combine(Path.GetDirectoryName(manifest)!, "kustomization.yaml")), Is.True);
    }

    [TestCase(SettingNames.BucketNameMlflow, "gs://my-bucket/mlflow", "give the bucket only, without a path")]
    [TestCase(SettingNames.CloudSqlInstanceName, "my-proj.europe-west1.db", "a connection name uses colons, not dots: my-proj:europe-west1:db")]
    [TestCase(SettingNames.CloudSqlInstanceName, "my-proj:europe-west1", "expected PROJECT:REGION:INSTANCE")]
    [TestCase(SettingNames.CloudSqlEngine, "oracle", "expected one of postgres, mysql")]
    public async Task A_bad_setting_stops_render_before_it_starts(string name, string value, string explanation)
    {
        var result = await Run(new Dictionary<string, string>(RenderCase.CloudSqlPostgres.Values) { [name] = value });

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.All, Does.Contain(SettingsFailure).And.Contain($"{name}='{value}': {explanation}"));
        Assert.That(result.All, Does.Contain(SettingNames.Get(name).HowToSet));
        Assert.That(result.All, Does.Not.Contain("Rendered the"));
    }

    [TestCase(SettingNames.MlflowServiceAccountId, "in-cluster")]
    [TestCase(SettingNames.ResourceSuffix, "cloud-sql")]
    [TestCase(SettingNames.CloudSqlInstanceName, "cloud-sql")]
    public async Task A_missing_setting_of_the_chosen_path_is_named(string name, string path)
    {
        var values = new Dictionary<string, string>(RenderCase.CloudSqlPostgres.Values) { [SettingNames.Database] = path };
        values.Remove(name);

        var result = await Run(values);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.All, Does.Contain(SettingsFailure).And.Contain($"{name} is required"));
    }

    private static Task<BuildResult> Run(IReadOnlyDictionary<string, string> values)
    {
        var build = new BuildProcess();
        foreach (var (name, value) in values)
        {
            build.Environment[name] = value;
        }

        return build.RunAsync("--target=Render", "--exclusive");
    }
}
