using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.GitHubActions;

/// <summary>The build as a GitHub Actions step runs it: GITHUB_ACTIONS=true, with the summary and output files.</summary>
public sealed class ActionsReportTests
{
    private TempDirectory _runner = null!;
    private BuildProcess _build = null!;

    private string Summary => File.Exists(_runner.Combine("summary.md")) ? File.ReadAllText(_runner.Combine("summary.md")) : string.Empty;

    [SetUp]
    public void SetUp()
    {
        _runner = new TempDirectory();
        _build = new BuildProcess();
        _build.Environment["GITHUB_ACTIONS"] = "true";
        _build.Environment["GITHUB_STEP_SUMMARY"] = _runner.Combine("summary.md");
        _build.Environment["GITHUB_OUTPUT"] = _runner.Combine("output");
        _build.Environment["GITHUB_ENV"] = _runner.Combine("env");
        _build.Environment["GITHUB_PATH"] = _runner.Combine("path");
    }

    [TearDown]
    public void TearDown() => _runner.Dispose();

    [Test]
    public async Task Each_task_gets_a_log_group_and_the_run_a_step_summary()
    {
        var result = await _build.RunAsync("--target=Default", "--exclusive", "--namespace=team-a", "--kube-context=gke_p_r_c");

        Assert.Multiple(() =>
        {
            Assert.That(result.Output, Does.Contain("::group::Default").And.Contain("::endgroup::"), result.ToString);
            Assert.That(Summary, Does.Contain("### MLflow on GKE: Default succeeded"));
            Assert.That(Summary, Does.Contain("| database path | `in-cluster` |").And.Contain("`team-a`"));
            Assert.That(Summary, Does.Contain("kubectl --context gke_p_r_c -n team-a port-forward svc/mlflow 5000:5000"));
        });
    }

    [Test]
    public async Task A_failing_task_becomes_an_error_annotation_and_the_summary_says_failed()
    {
        _build.Environment["PATH"] = "/nonexistent";

        var result = await _build.RunAsync("--target=Doctor");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero, result.ToString);
            Assert.That(result.Output, Does.Match(@"::error title=Doctor failed::Doctor: \d required check\(s\) failed"));
            Assert.That(Summary, Does.Contain("Doctor failed"));
        });
    }

    [Test]
    public async Task Secret_settings_are_masked_for_the_rest_of_the_job()
    {
        _build.Environment["DB_PASSWORD"] = "s3cretDbPassw0rd";
        _build.Environment["GOOGLE_OAUTH_ACCESS_TOKEN"] = "ya29.token-value";

        var result = await _build.RunAsync("--target=Default", "--exclusive");

        Assert.Multiple(() =>
        {
            Assert.That(result.Output, Does.Contain("::add-mask::s3cretDbPassw0rd").And.Contain("::add-mask::ya29.token-value"), result.ToString);
            Assert.That(result.Output.Replace("::add-mask::s3cretDbPassw0rd", string.Empty, StringComparison.Ordinal), Does.Not.Contain("s3cretDbPassw0rd"));
            Assert.That(Summary, Does.Not.Contain("s3cretDbPassw0rd"));
        });
    }
}
