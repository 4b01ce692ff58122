using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Verify;

public sealed class VerifySettingsTests
{
    [Test]
    public async Task Without_a_kube_context_or_an_mlflow_url_nothing_runs()
    {
        var result = await new BuildProcess().RunAsync("--target=Verify");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
            Assert.That(result.All, Does.Contain("KUBE_CONTEXT is required: give it, or set PROJECT_ID, REGION and CLUSTER_NAME to derive gke_PROJECT_ID_REGION_CLUSTER_NAME, or set MLFLOW_URL instead."));
        });
    }

    [TestCase("ftp://mlflow.example.com", "expected an absolute http or https URL")]
    [TestCase("mlflow.example.com", "expected an absolute http or https URL")]
    public async Task A_bad_mlflow_url_is_refused(string value, string problem)
    {
        var result = await new BuildProcess().RunAsync("--target=Verify", $"--mlflow-url={value}");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
            Assert.That(result.All, Does.Contain($"MLFLOW_URL='{value}': {problem}"));
        });
    }

    [Test]
    public async Task A_url_with_credentials_is_refused_without_printing_them()
    {
        var result = await new BuildProcess().RunAsync("--target=Verify", "--mlflow-url=https://user:s3cret@mlflow.example.com");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
            Assert.That(result.All, Does.Contain("MLFLOW_URL='https://[REDACTED]@mlflow.example.com': give the URL without credentials"));
            Assert.That(result.All, Does.Not.Contain("s3cret"));
        });
    }
}
