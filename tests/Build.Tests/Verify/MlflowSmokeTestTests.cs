using Cake.Core.Diagnostics;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Fakes.Mlflow;
using MlflowGke.Build.Tests.Support;
using MlflowGke.Build.Verify;

namespace MlflowGke.Build.Tests.Verify;

/// <summary>The smoke test in process, against the manifests' own ALLOWED_HOSTS.</summary>
public sealed class MlflowSmokeTestTests
{
    private static readonly KubectlPortForwardSettings PortForward = new() { Context = "ctx", Namespace = "mlflow" };

    [Test]
    public async Task Through_the_port_forward_the_manifests_allowed_hosts_accept_every_call()
    {
        await using var mlflow = await FakeMlflowServer.StartAsync();
        mlflow.AllowedHosts = ManifestAllowedHosts();

        var result = await SmokeTest(mlflow, KubectlPortForward.HostHeader(PortForward)).RunAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(mlflow.Requests.Select(request => request.Host).Distinct(), Is.EqualTo(new[] { "localhost:5000" }));
            Assert.That(mlflow.Runs.Single(run => run.Id == result.RunId).Deleted, Is.True);
        });
    }

    [Test]
    public async Task A_users_own_port_forward_on_any_local_port_is_an_allowed_host()
    {
        await using var mlflow = await FakeMlflowServer.StartAsync();
        mlflow.AllowedHosts = ManifestAllowedHosts();

        var result = await SmokeTest(mlflow, hostHeader: null).RunAsync(CancellationToken.None);

        Assert.That(mlflow.Requests.Select(request => request.Host).Distinct(), Is.EqualTo(new[] { mlflow.Uri.Authority }), result.RunId);
    }

    [Test]
    public async Task A_host_outside_the_manifests_allowed_hosts_is_refused_and_diagnosed()
    {
        await using var mlflow = await FakeMlflowServer.StartAsync();
        mlflow.AllowedHosts = ManifestAllowedHosts();

        var failure = Assert.ThrowsAsync<VerifyFailedException>(() => SmokeTest(mlflow, "mlflow.example.com").RunAsync(CancellationToken.None));

        Assert.That(failure!.Message, Does.Contain("MLflow refused the Host header 'mlflow.example.com'"));
    }

    private static MlflowSmokeTest SmokeTest(FakeMlflowServer mlflow, string? hostHeader)
    {
        var http = new HttpClient { BaseAddress = mlflow.Uri, Timeout = TimeSpan.FromSeconds(10) };
        var api = new MlflowRestClient(http, hostHeader, TimeSpan.FromMilliseconds(10));
        var facts = new DiagnosisFacts("svc/mlflow", ThroughPortForward: true, api.HostHeader, "mlflow", "Check the database", null, null);
        return new MlflowSmokeTest(api, new SmokeTestDiagnosis(facts), new NullLog(), TimeProvider.System);
    }

    private static string[] ManifestAllowedHosts() =>
        File.ReadAllLines(Path.Combine(RepositoryLayout.Deployment, "mlflow", "base", "mlflow.env"))
            .Single(line => line.StartsWith("ALLOWED_HOSTS=", StringComparison.Ordinal))["ALLOWED_HOSTS=".Length..]
            .Split(',');
}
