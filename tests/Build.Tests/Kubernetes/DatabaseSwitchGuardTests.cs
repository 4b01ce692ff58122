using System.Text.RegularExpressions;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>A Deploy that would change the database MLflow serves: real Build.dll and kubectl against the fake apiserver.</summary>
[Category("Kubectl")]
public sealed class DatabaseSwitchGuardTests
{
    private const string Ns = KubeTestEnvironment.Namespace;
    private const string InCluster = "the in-cluster PostgreSQL on volume data-postgres-0 (namespace mlflow)";
    private const string CloudSql = $"Cloud SQL instance {KubeTestEnvironment.ProjectId}:{KubeTestEnvironment.Region}:mlflow-db database mlflowdb";
    private const string DatabaseAnnotation = "mlflow-gke-deploy/database";

    [Test]
    public async Task Switching_from_in_cluster_to_cloud_sql_without_the_flag_stops_with_exit_2_and_changes_nothing()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var writesBefore = cluster.Server.Mutations.Count;

        // When
        var run = await cluster.Build("cloud-sql").RunAsync(KubeTestEnvironment.ThroughApply);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
            Assert.That(OneLine(run.All), Does.Contain($"Refusing to switch the database MLflow serves; nothing was changed. MLflow serves {InCluster} now; this Deploy would serve {CloudSql}.")
                .And.Contain("data stays on volume data-postgres-0 and its login in Secret mlflow-db-credentials")
                .And.Contain("run again with --switch-database (SWITCH_DATABASE=true); to keep serving it, run with --database=in-cluster."));
            Assert.That(cluster.Server.Mutations.Skip(writesBefore), Is.Empty);
            Assert.That(run.All, Does.Not.Contain("Change:"));
        });
    }

    [Test]
    public async Task Switching_back_to_in_cluster_without_the_flag_names_the_kept_volume_and_the_cloud_sql_database()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        Assert.That((await cluster.Build("cloud-sql").RunAsync([.. KubeTestEnvironment.ThroughApply, "--switch-database"])).ExitCode, Is.Zero);
        var writesBefore = cluster.Server.Mutations.Count;

        // When
        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
            Assert.That(OneLine(run.All), Does.Contain($"MLflow serves {CloudSql} now; this Deploy would serve {InCluster} (kept from an earlier in-cluster deploy: its data is served again, with its own login).")
                .And.Contain($"{CloudSql} stays as it is")
                .And.Contain($"--database=cloud-sql --cloudsql-instance-name={KubeTestEnvironment.ProjectId}:{KubeTestEnvironment.Region}:mlflow-db"));
            Assert.That(cluster.Server.Mutations.Skip(writesBefore), Is.Empty);
        });
    }

    [Test]
    public async Task Another_cloud_sql_instance_is_a_switch_too()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("cloud-sql").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var build = cluster.Build("cloud-sql");
        build.Environment["CLOUDSQL_INSTANCE_NAME"] = "other-db";

        // When
        var run = await build.RunAsync(KubeTestEnvironment.ThroughApply);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
            Assert.That(OneLine(run.All), Does.Contain($"MLflow serves {CloudSql} now; this Deploy would serve Cloud SQL instance {KubeTestEnvironment.ProjectId}:{KubeTestEnvironment.Region}:other-db database mlflowdb."));
        });
    }

    [TestCase("in-cluster", "cloud-sql", InCluster)]
    [TestCase("cloud-sql", "in-cluster", CloudSql)]
    public async Task An_installation_from_before_the_annotation_is_judged_by_its_database_workload(string deployed, string wanted, string served)
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build(deployed).RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var deployment = cluster.Server.Get("Deployment", Ns, "mlflow")!;
        deployment["metadata"]!["annotations"]!.AsObject().Remove(DatabaseAnnotation);
        cluster.Server.Seed(deployment);
        var writesBefore = cluster.Server.Mutations.Count;

        // When
        var run = await cluster.Build(wanted).RunAsync(KubeTestEnvironment.ThroughApply);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
            Assert.That(OneLine(run.All), Does.Contain($"MLflow serves {served} now"));
            Assert.That(cluster.Server.Mutations.Skip(writesBefore), Is.Empty);
        });
    }

    [Test]
    public async Task Plan_shows_the_switch_it_would_need_confirmed_and_does_not_fail()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var writesBefore = cluster.Server.Mutations.Count;

        // When
        var run = await cluster.Build("cloud-sql").RunAsync([.. KubeTestEnvironment.ThroughPrune, "--plan"]);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero, run.ToString());
            Assert.That(OneLine(run.All), Does.Contain("PLAN would switch the database MLflow serves; a Deploy without --switch-database stops here with exit code 2.")
                .And.Contain($"MLflow serves {InCluster} now; this Deploy would serve {CloudSql}."));
            Assert.That(run.Output, Does.Contain("PLAN would delete statefulset.apps/postgres"));
            Assert.That(cluster.Server.Mutations.Skip(writesBefore), Is.Empty);
        });
    }

    [Test]
    public async Task The_confirmed_switch_serves_the_new_database_and_records_it_on_the_server()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);

        // When
        var run = await cluster.Build("cloud-sql").RunAsync([.. KubeTestEnvironment.ThroughApply, "--switch-database"]);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero, run.ToString());
            Assert.That(OneLine(run.All), Does.Contain($"Switching the database MLflow serves (--switch-database): MLflow serves {InCluster} now; this Deploy would serve {CloudSql}."));
            Assert.That(
                cluster.Server.Get("Deployment", Ns, "mlflow")?["metadata"]?["annotations"]?[DatabaseAnnotation]?.GetValue<string>(),
                Is.EqualTo($"cloud-sql {KubeTestEnvironment.ProjectId}:{KubeTestEnvironment.Region}:mlflow-db"));
            Assert.That(cluster.SecretValue("mlflow-backend-store", "uri"), Does.Contain("@cloudsql-proxy:5432/mlflowdb"));
        });
    }

    /// <summary>The log wraps nothing, but Cake may print a message over several lines: compare with single spaces.</summary>
    private static string OneLine(string text) => Regex.Replace(text, @"\s+", " ");
}
