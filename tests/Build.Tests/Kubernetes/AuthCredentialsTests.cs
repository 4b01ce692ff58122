using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>The Secret mlflow-auth Apply writes with AUTH=basic: real Build.dll and kubectl against the fake apiserver.</summary>
[Category("Kubectl")]
public sealed class AuthCredentialsTests
{
    private const string Ns = KubeTestEnvironment.Namespace;
    private const string SecretPath = $"/api/v1/namespaces/{Ns}/secrets/mlflow-auth";

    [Test]
    public async Task Apply_generates_the_admin_and_secret_key_once_and_never_renders_or_prints_them()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();

        // When
        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply);

        // Then
        var password = cluster.SecretValue("mlflow-auth", "admin-password")!;
        var secretKey = cluster.SecretValue("mlflow-auth", "flask-secret-key")!;
        var dbPassword = cluster.SecretValue("mlflow-db-credentials", "password")!;
        var rendered = await File.ReadAllTextAsync(Path.Combine(RepositoryLayout.Root, "artifacts", "render", "in-cluster", "manifest.yaml"));
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero, run.ToString());
            Assert.That(cluster.SecretValue("mlflow-auth", "admin-username"), Is.EqualTo("admin"));
            Assert.That(password, Has.Length.EqualTo(32).And.Not.EqualTo("password1234"));
            Assert.That(secretKey, Has.Length.EqualTo(64));
            Assert.That(cluster.SecretValue("mlflow-auth", "database-uri"), Is.EqualTo($"postgresql+psycopg2://mlflow:{dbPassword}@postgres:5432/mlflow_auth"));
            Assert.That(cluster.SecretValue("mlflow-auth", "basic_auth.ini"), Does.Contain($"admin_password = {password}\n").And.Contains("database_uri = postgresql+psycopg2://mlflow:").And.Contains("default_permission = READ"));
            Assert.That(new[] { rendered, run.All }, Has.None.Contains(password).And.None.Contains(secretKey).And.None.Contains(dbPassword));
            Assert.That(rendered, Does.Contain("--app-name").And.Contains("basic-auth").And.Contains("MLFLOW_AUTH_CONFIG_PATH").And.Contains("MLFLOW_AUTH_DATABASE_URI"));
        });
    }

    [Test]
    public async Task A_second_apply_keeps_the_secret_without_writing_it()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var first = cluster.Server.Get("Secret", Ns, "mlflow-auth")!.ToJsonString();
        var writesBefore = cluster.Server.Mutations.Count;

        // When
        var second = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(second.ExitCode, Is.Zero, second.ToString());
            Assert.That(cluster.Server.Get("Secret", Ns, "mlflow-auth")!.ToJsonString(), Is.EqualTo(first), "not even its resourceVersion changes");
            Assert.That(cluster.Server.Mutations.Skip(writesBefore).Where(request => request.Path.StartsWith(SecretPath, StringComparison.Ordinal)), Is.Empty);
            Assert.That(second.Output, Does.Contain("Secret mlflow/mlflow-auth holds the admin admin and the auth database's URI; keeping it."));
        });
    }

    [Test]
    public async Task A_new_database_uri_rewrites_the_uri_but_keeps_the_admin_and_the_secret_key()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var (password, secretKey) = (cluster.SecretValue("mlflow-auth", "admin-password"), cluster.SecretValue("mlflow-auth", "flask-secret-key"));

        // When
        var toCloudSql = await cluster.Build("cloud-sql").RunAsync([.. KubeTestEnvironment.ThroughApply, "--switch-database"]);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(toCloudSql.ExitCode, Is.Zero, toCloudSql.ToString());
            Assert.That(cluster.SecretValue("mlflow-auth", "database-uri"), Does.EndWith("@cloudsql-proxy:5432/mlflow_auth"));
            Assert.That(cluster.SecretValue("mlflow-auth", "admin-password"), Is.EqualTo(password));
            Assert.That(cluster.SecretValue("mlflow-auth", "flask-secret-key"), Is.EqualTo(secretKey));
        });
    }

    [Test]
    public async Task Auth_none_renders_no_auth_app_writes_no_auth_secret_and_warns_that_the_server_is_open()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        var build = cluster.Build("in-cluster");
        build.Environment["AUTH"] = "none";

        // When
        var run = await build.RunAsync(KubeTestEnvironment.ThroughApply);

        // Then
        var server = cluster.Server.Get("Deployment", Ns, "mlflow")!.ToJsonString();
        var migration = cluster.Server.Get("Job", Ns, cluster.MigrationJobs().Single())!.ToJsonString();
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero, run.ToString());
            Assert.That(cluster.Server.Get("Secret", Ns, "mlflow-auth"), Is.Null);
            Assert.That(server, Does.Not.Contain("basic-auth").And.Not.Contains("mlflow-auth"));
            Assert.That(migration, Does.Not.Contain("MLFLOW_AUTH_DATABASE_URI"));
            Assert.That(run.All, Does.Contain("AUTH=none: MLflow runs without authentication"));
        });
    }
}
