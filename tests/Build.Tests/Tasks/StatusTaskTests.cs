using MlflowGke.Build.Tests.EndToEnd;
using MlflowGke.Build.Tests.Google;

namespace MlflowGke.Build.Tests.Tasks;

/// <summary>Status after a Deploy and after manual changes, against the fake apiserver and the fake Google APIs: read only, never the lock.</summary>
[Category("Docker")]
[Category("Kubectl")]
public sealed class StatusTaskTests
{
    [TestCase("in-cluster")]
    [TestCase("cloud-sql")]
    public async Task After_a_deploy_status_reports_in_sync_with_exit_code_0_and_writes_nothing(string database)
    {
        // Given
        await using var environment = await DeployEnvironment.DeployedAsync(database);
        var (kubeWrites, googleWrites) = (environment.Kube.AllMutations.Count, environment.Google.MutatingRequests.Count);

        // When
        var status = await environment.Build(database).RunAsync("--target=Status");

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(status.ExitCode, Is.Zero, status.ToString());
            Assert.That(status.Output, Does.Contain("In sync: all ").And.Contain("checks match what Apply would send."));
            Assert.That(status.Output, Does.Match(@"ok\s+deployment/mlflow image \(mlflow\)\s+\S+@sha256:"));
            Assert.That(status.Output, Does.Contain($"{GoogleTestSetup.MlflowEmail} roles/iam.workloadIdentityUser"));
            Assert.That(status.Output, Does.Contain("deploy lock").And.Contain("free (lease mlflow/mlflow-deploy)"));
            Assert.That(status.Output, Does.Contain("database schema (MLflow)").And.Contain("bf29a5ff90ea (MLflow 3.5) after mlflow-migrate-"));
            Assert.That(environment.Kube.AllMutations.Skip(kubeWrites), Is.Empty, "no write, not even the deploy lock's Lease");
            Assert.That(environment.Google.MutatingRequests.Skip(googleWrites), Is.Empty);
        });
    }

    [Test]
    public async Task After_a_manual_scale_and_image_change_status_reports_the_drift_with_exit_code_4()
    {
        // Given a deploy, then changes made by hand
        await using var environment = await DeployEnvironment.DeployedAsync("in-cluster");
        await environment.KubectlAsync("patch", "deployment/mlflow", "--type=merge", "--patch={\"spec\":{\"replicas\":3}}");
        await environment.KubectlAsync("set", "image", "deployment/mlflow", "mlflow=registry.example/mlflow:hand-made");
        var kubeWrites = environment.Kube.AllMutations.Count;

        // When
        var status = await environment.Build("in-cluster").RunAsync("--target=Status");

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(status.ExitCode, Is.EqualTo(4), status.ToString());
            Assert.That(status.Output, Does.Match(@"DRIFT\s+deployment/mlflow replicas\s+2\s+3"));
            Assert.That(status.Output, Does.Match(@"DRIFT\s+deployment/mlflow image \(mlflow\)\s+\S+@sha256:\S+\s+registry.example/mlflow:hand-made"));
            Assert.That(status.All, Does.Contain("Drifted: 2 of ").And.Contain("checks differ from what Apply would send (deployment/mlflow image (mlflow); deployment/mlflow replicas). Deploy (or Apply) puts them back."));
            Assert.That(environment.Kube.AllMutations.Skip(kubeWrites), Is.Empty);
        });
    }
}
