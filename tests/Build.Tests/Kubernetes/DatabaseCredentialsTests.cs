using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>The database Secrets Apply writes: real Build.dll and kubectl against the fake apiserver.</summary>
[Category("Kubectl")]
public sealed class DatabaseCredentialsTests
{
    private const string Ns = KubeTestEnvironment.Namespace;
    private const string UriCharacterPassword = "p@ss:w/rd#50%&?=+! \"'x";
    private const string EncodedPassword = "p%40ss%3Aw%2Frd%2350%25%26%3F%3D%2B%21%20%22%27x";
    private const string RevisionAnnotation = "mlflow-gke-deploy/backend-store-revision";

    [Test]
    public async Task A_password_with_URI_characters_is_percent_encoded_in_the_Secret_and_never_printed_or_rendered()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        var build = cluster.Build("cloud-sql");
        build.Environment["DB_PASSWORD"] = UriCharacterPassword;

        var run = await build.RunAsync(KubeTestEnvironment.ThroughApply);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(cluster.SecretValue("mlflow-backend-store", "uri"), Is.EqualTo($"postgresql+psycopg2://mlflow:{EncodedPassword}@cloudsql-proxy:5432/mlflowdb"));
        var rendered = await File.ReadAllTextAsync(Path.Combine(RepositoryLayout.Root, "artifacts", "render", "cloud-sql", "manifest.yaml"));
        Assert.That(new[] { rendered, run.All }, Has.None.Contains(UriCharacterPassword).And.None.Contains(EncodedPassword));
    }

    [Test]
    public async Task Iam_auth_puts_the_proxys_iam_user_without_a_password_in_the_uri_and_the_proxy_logs_in()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        var build = cluster.Build("cloud-sql");
        build.Environment["CLOUDSQL_AUTH"] = "iam";
        build.Environment.Remove("DB_PASSWORD");

        var run = await build.RunAsync(KubeTestEnvironment.ThroughApply);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(cluster.SecretValue("mlflow-backend-store", "uri"), Is.EqualTo("postgresql+psycopg2://mlflow-csql-proxy-t1%40test-project.iam@cloudsql-proxy:5432/mlflowdb"));
        var proxyArguments = cluster.Server.Get("Deployment", Ns, "cloudsql-proxy")!["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(argument => argument!.GetValue<string>());
        Assert.That(proxyArguments, Does.Contain("--auto-iam-authn"));
    }

    [Test]
    public async Task Switching_to_cloud_sql_and_back_keeps_the_in_cluster_login_and_restarts_the_server_with_each_uri()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var login = cluster.Server.Get("Secret", Ns, "mlflow-db-credentials")!.ToJsonString();
        var inClusterUri = cluster.SecretValue("mlflow-backend-store", "uri");
        var revisions = new List<string?> { Revision(cluster) };

        var toCloudSql = await cluster.Build("cloud-sql").RunAsync([.. KubeTestEnvironment.ThroughApply, "--switch-database"]);
        revisions.Add(Revision(cluster));
        var back = await cluster.Build("in-cluster").RunAsync([.. KubeTestEnvironment.ThroughApply, "--switch-database"]);
        revisions.Add(Revision(cluster));

        Assert.That(toCloudSql.ExitCode, Is.Zero, toCloudSql.ToString());
        Assert.That(back.ExitCode, Is.Zero, back.ToString());
        Assert.That(cluster.Server.Get("Secret", Ns, "mlflow-db-credentials")!.ToJsonString(), Is.EqualTo(login), "never rewritten, not even its resourceVersion");
        Assert.That(cluster.SecretValue("mlflow-backend-store", "uri"), Is.EqualTo(inClusterUri));
        Assert.That(revisions, Is.Unique.And.None.Null, "each new URI is a new revision on the server's pod template");
    }

    private static string? Revision(KubeTestEnvironment cluster) =>
        cluster.Server.Get("Deployment", Ns, "mlflow")?["spec"]?["template"]?["metadata"]?["annotations"]?[RevisionAnnotation]?.GetValue<string>();
}
