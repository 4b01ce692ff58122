using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Settings;

public sealed class SettingsPrecedenceTests
{
    private TempDirectory _workDirectory = null!;
    private BuildProcess _build = null!;

    [SetUp]
    public void SetUp()
    {
        _workDirectory = new TempDirectory();
        File.WriteAllText(_workDirectory.Combine("cake.config"), "[Deploy]\nNAMESPACE=from-config\n");
        _build = new BuildProcess { WorkingDirectory = _workDirectory.Path };
    }

    [TearDown]
    public void TearDown() => _workDirectory.Dispose();

    [Test]
    public async Task Argument_wins_over_environment_and_config()
    {
        _build.Environment["NAMESPACE"] = "from-env";

        var result = await _build.RunAsync("--target=Default", "--exclusive", "--namespace=from-arg");

        Assert.That(SettingLine(result, "NAMESPACE"), Does.Contain("from-arg").And.Contain("argument --namespace"), result.ToString);
    }

    [Test]
    public async Task Environment_wins_over_config()
    {
        _build.Environment["NAMESPACE"] = "from-env";

        var result = await _build.RunAsync("--target=Default", "--exclusive");

        Assert.That(SettingLine(result, "NAMESPACE"), Does.Contain("from-env").And.Contain("environment NAMESPACE"), result.ToString);
    }

    [Test]
    public async Task Config_wins_over_default()
    {
        var result = await _build.RunAsync("--target=Default", "--exclusive");

        Assert.That(SettingLine(result, "NAMESPACE"), Does.Contain("from-config").And.Contain("cake.config [Deploy]"), result.ToString);
    }

    [Test]
    public async Task Default_applies_when_nothing_is_set()
    {
        File.Delete(_workDirectory.Combine("cake.config"));

        var result = await _build.RunAsync("--target=Default", "--exclusive");

        Assert.That(SettingLine(result, "NAMESPACE"), Does.Match(@"NAMESPACE\s+mlflow\s+default"), result.ToString);
    }

    [Test]
    public async Task Kube_context_is_derived_from_project_region_and_cluster()
    {
        var result = await _build.RunAsync("--target=Default", "--exclusive", "--project-id=my-project-1", "--region=europe-west1", "--cluster-name=ml");

        Assert.That(result.Output, Does.Contain("gke_my-project-1_europe-west1_ml"), result.ToString);
    }

    private static string SettingLine(BuildResult result, string name) =>
        result.Output.Split('\n').FirstOrDefault(line => line.TrimStart().StartsWith(name + " ", StringComparison.Ordinal)) ?? string.Empty;
}
