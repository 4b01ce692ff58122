using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Tests.Kubernetes;
using MlflowGke.Build.Tests.Support;
using MlflowGke.Build.Verify;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// in-cluster → cloud-sql → in-cluster with the real Apply, then the applied server run against a real PostgreSQL that
/// was initialised the way the postgres image initialises its volume: from the first rollout's Secret.
/// </summary>
[Category(RealMlflowRequirement.Category)]
[Category("Kubectl")]
public sealed class DatabaseSwitchRoundTripTests
{
    private const string InClusterDatabase = "mlflowdb";
    private const string ExperimentName = "logged-before-the-switch";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(8);

    [Test]
    public async Task After_switching_to_cloud_sql_and_back_the_server_logs_in_to_the_kept_database_and_sees_its_experiment()
    {
        // Given
        var mlflow = RealMlflowRequirement.Check();
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var cluster = await KubeTestEnvironment.StartAsync();
        using var artifacts = new TempDirectory();
        await ApplyAsync(cluster.Build("in-cluster"));
        var first = AppliedObjects.From(cluster.Server);
        var loginSecret = cluster.Server.Get("Secret", KubeTestEnvironment.Namespace, "mlflow-db-credentials")!.ToJsonString();
        var login = AppliedMlflow.InClusterLogin(first);
        await using var postgres = await PostgresCluster.StartAsync();
        await postgres.CreateLoginAsync(login.User, login.Password);
        await postgres.AllowCreatingDatabasesAsync(login.User);
        await postgres.CreateDatabaseAsync(InClusterDatabase, login.User);
        var kubelet = new LocalKubelet(mlflow, new LocalEndpoints(postgres.Host, postgres.Port, InClusterDatabase, artifacts.Path), ImageDefaults.Production());
        await using (var before = await LocalRollout.StartAsync(kubelet, first, KubeTestEnvironment.Namespace, replicas: 1, jobCopies: 1, timeout.Token))
        {
            Assert.That(await Api(before, cluster).CreateExperimentAsync(ExperimentName, timeout.Token), Is.Not.Null);
        }

        // When
        await ApplyAsync(cluster.Build("cloud-sql"), "--switch-database");
        await ApplyAsync(cluster.Build("in-cluster"), "--switch-database");
        await using var after = await LocalRollout.StartAsync(kubelet, AppliedObjects.From(cluster.Server), KubeTestEnvironment.Namespace, replicas: 1, jobCopies: 1, timeout.Token);

        // Then
        var experiment = await Api(after, cluster).GetExperimentByNameAsync(ExperimentName, timeout.Token);
        Assert.Multiple(() =>
        {
            Assert.That(experiment?.Name, Is.EqualTo(ExperimentName), after.Pods.Single().Output);
            Assert.That(cluster.Server.Get("Secret", KubeTestEnvironment.Namespace, "mlflow-db-credentials")!.ToJsonString(), Is.EqualTo(loginSecret), "byte-identical, never rewritten");
            Assert.That(cluster.SecretValue("mlflow-backend-store", "uri"), Does.Contain($":{Uri.EscapeDataString(login.Password)}@postgres:5432/"), "the URI carries the first rollout's password");
        });
    }

    private static async Task ApplyAsync(BuildProcess build, params string[] extra)
    {
        var run = await build.RunAsync([.. KubeTestEnvironment.ThroughApply, .. extra]);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
    }

    /// <summary>The tracking API as the admin Apply generated (AUTH=basic).</summary>
    private static MlflowRestClient Api(LocalRollout rollout, KubeTestEnvironment cluster)
    {
        var pod = rollout.Pods.Single();
        var admin = new MlflowCredentials(cluster.SecretValue(AuthCredentials.SecretName, AuthCredentials.UsernameKey)!, cluster.SecretValue(AuthCredentials.SecretName, AuthCredentials.PasswordKey)!);
        return new MlflowRestClient(new HttpClient { BaseAddress = pod.BaseAddress, Timeout = TimeSpan.FromSeconds(30), DefaultRequestHeaders = { Authorization = admin.Authorization() } }, pod.BaseAddress.Authority);
    }
}
