using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// The server as Apply sends it with EXPOSE=ingress, run by the real MLflow: requests arrive through the load balancer
/// with the published hostname as Host header and, from browsers, its https origin.
/// </summary>
[Category(RealMlflowRequirement.Category)]
[Category("Kubectl")]
public sealed class ExposedManifestExecutionTests
{
    private const string Hostname = "mlflow.example.org";
    private AppliedMlflow _applied = null!;
    private LocalRollout? _running;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        _applied = await AppliedMlflow.ApplyAsync("in-cluster", ManifestExecutionTests.CloudSqlPassword, new Dictionary<string, string> { ["EXPOSE"] = "ingress", ["MLFLOW_HOSTNAME"] = Hostname });
        _running = await _applied.RollOutAsync(await _applied.CreateInitialisedDatabaseAsync(), 1, timeout.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_running != null)
        {
            await _running.DisposeAsync();
        }

        if (_applied != null)
        {
            await _applied.DisposeAsync();
        }
    }

    [Test]
    public async Task The_published_hostname_passes_the_host_check_and_only_its_https_origin_may_change_state_cross_origin()
    {
        // Given a browser's requests through the load balancer, from the published origin and from another site
        using var http = new HttpClient { BaseAddress = _running!.Pods.Single().BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        // When
        using var published = await http.SendAsync(CreateExperiment($"https://{Hostname}", "from-the-published-origin"));
        using var foreign = await http.SendAsync(CreateExperiment("https://evil.example", "from-another-site"));

        // Then
        Assert.Multiple(async () =>
        {
            Assert.That(published.StatusCode, Is.EqualTo(HttpStatusCode.OK), await published.Content.ReadAsStringAsync());
            Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), await foreign.Content.ReadAsStringAsync());
        });
    }

    [Test]
    public async Task Health_answers_the_load_balancers_check_without_credentials()
    {
        // Given the health check's request, with the load balancer's own Host header
        using var http = new HttpClient { BaseAddress = _running!.Pods.Single().BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "health") { Headers = { Host = "10.8.0.12:5000" } };

        // When
        using var response = await http.SendAsync(request);

        // Then
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    private HttpRequestMessage CreateExperiment(string origin, string name)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/2.0/mlflow/experiments/create")
        {
            Headers = { Host = Hostname, Authorization = _applied.Admin.Authorization() },
            Content = new StringContent(new JsonObject { ["name"] = name }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", origin);
        return request;
    }
}
