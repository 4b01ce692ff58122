using MlflowGke.Build.Tests.Fakes.Kubernetes;
using MlflowGke.Build.Tests.Google;

namespace MlflowGke.Build.Tests.EndToEnd;

/// <summary>A new image that does not become ready is replaced by the last ready one, unless --no-rollback.</summary>
[Category("Docker")]
[Category("Kubectl")]
public sealed class RollbackTests
{
    [Test]
    public async Task A_crashing_new_image_is_rolled_back_to_the_previous_digest()
    {
        // Given a ready deploy, and a new image whose server crashes
        await using var environment = await DeployEnvironment.DeployedAsync("in-cluster");
        var ready = environment.DeploymentImage("mlflow");
        environment.Kube.Controller.JobLogs = ["schema before: bf29a5ff90ea", "schema head: bf29a5ff90ea", "schema after: bf29a5ff90ea"]; // no migration due
        environment.Image.ChangeMarker("crashes\n");
        environment.Kube.Controller.SetBehaviour("mlflow", PodBehaviour.CrashLoop);

        // When
        var broken = await environment.Build("in-cluster").RunAsync("--target=Deploy");

        // Then
        Assert.Multiple(async () =>
        {
            Assert.That(broken.ExitCode, Is.Not.Zero, broken.ToString());
            Assert.That(broken.All, Does.Contain("is CrashLoopBackOff").And.Contain($"Rolled back: deployment.apps/mlflow runs its last ready template again (image {ready} instead of {environment.Repository}@{await environment.PushedDigestAsync()})"));
            Assert.That(environment.DeploymentImage("mlflow"), Is.EqualTo(ready));
            Assert.That(environment.Kube.Get("Deployment", DeployEnvironment.Namespace, "mlflow")!["status"]!["availableReplicas"]!.GetValue<int>(), Is.GreaterThan(0));
        });
    }

    [Test]
    public async Task With_no_rollback_the_failed_image_stays()
    {
        // Given a ready deploy, and a new image whose server crashes
        await using var environment = await DeployEnvironment.DeployedAsync("in-cluster");
        environment.Image.ChangeMarker("crashes\n");
        environment.Kube.Controller.SetBehaviour("mlflow", PodBehaviour.CrashLoop);

        // When
        var broken = await environment.Build("in-cluster").RunAsync("--target=Deploy", "--no-rollback");

        // Then
        Assert.Multiple(async () =>
        {
            Assert.That(broken.ExitCode, Is.Not.Zero, broken.ToString());
            Assert.That(broken.All, Does.Contain("Not rolled back (NO_ROLLBACK=true)"));
            Assert.That(environment.DeploymentImage("mlflow"), Is.EqualTo($"{environment.Repository}@{await environment.PushedDigestAsync()}"));
        });
    }

    [Test]
    public async Task After_an_auth_schema_migration_a_crashing_image_is_not_rolled_back_below_it()
    {
        // Given a ready deploy with the basic-auth database at one revision, and a new image whose migration moves only
        // the auth schema on and whose server crashes
        await using var environment = await DeployEnvironment.StartAsync();
        string[] tracking = ["schema before: bf29a5ff90ea", "schema head: bf29a5ff90ea", "schema after: bf29a5ff90ea"];
        environment.Kube.Controller.JobLogs = [.. tracking, "auth schema before: none", "auth schema after: 2ed73881770d"];
        var first = await environment.Build("in-cluster").RunAsync("--target=Deploy");
        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        environment.Image.ChangeMarker("migrates the auth schema and crashes\n");
        environment.Kube.Controller.JobLogs = [.. tracking, "auth schema before: 2ed73881770d", "auth schema after: 9b1f5e2c7a40"];
        environment.Kube.Controller.SetBehaviour("mlflow", PodBehaviour.CrashLoop);

        // When
        var broken = await environment.Build("in-cluster").RunAsync("--target=Deploy");

        // Then
        Assert.Multiple(async () =>
        {
            Assert.That(broken.ExitCode, Is.Not.Zero, broken.ToString());
            Assert.That(broken.All, Does.Contain("Not rolled back: the migration Job mlflow-migrate-").And.Contain("moved the auth database schema (basic-auth, mlflow_auth) from 2ed73881770d to 9b1f5e2c7a40"));
            Assert.That(environment.DeploymentImage("mlflow"), Is.EqualTo($"{environment.Repository}@{await environment.PushedDigestAsync()}"));
        });
    }

    [Test]
    public async Task After_a_schema_migration_a_crashing_image_is_not_rolled_back_below_the_schema()
    {
        // Given a ready deploy, and a new image whose migration moves the schema on (after a backup) and whose server crashes
        await using var environment = await DeployEnvironment.DeployedAsync("cloud-sql");
        environment.Image.ChangeMarker("migrates and crashes\n");
        environment.Kube.Controller.JobLogs = ["schema before: bf29a5ff90ea", "schema head: 1b5f0d9ad7c1", "schema after: 1b5f0d9ad7c1"];
        environment.Kube.Controller.SetBehaviour("mlflow", PodBehaviour.CrashLoop);

        // When
        var broken = await environment.Build("cloud-sql").RunAsync("--target=Deploy");

        // Then
        Assert.Multiple(async () =>
        {
            Assert.That(broken.ExitCode, Is.Not.Zero, broken.ToString());
            var backup = environment.Google.CloudSql.Instance(GoogleTestSetup.Project, GoogleTestSetup.Instance)!.BackupRuns.Single();
            Assert.That(broken.All, Does.Contain("Not rolled back: the migration Job mlflow-migrate-").And.Contain("moved the database schema from bf29a5ff90ea to 1b5f0d9ad7c1")
                .And.Contain($"restore the backup {backup.Id} taken before it: `gcloud sql backups restore {backup.Id} --restore-instance={GoogleTestSetup.Instance} --project={GoogleTestSetup.Project}`"));
            Assert.That(environment.DeploymentImage("mlflow"), Is.EqualTo($"{environment.Repository}@{await environment.PushedDigestAsync()}"));
        });
    }
}
