using System.Text.Json.Nodes;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>EXPOSE=ingress and AUTH=iap as Apply sends them: real Build.dll and kubectl against the fake apiserver.</summary>
[Category("Kubectl")]
public sealed class ExposureTests
{
    private const string Ns = KubeTestEnvironment.Namespace;
    private const string Hostname = "mlflow.example.org";
    private const string ClientId = "123456789012-abcdef0123456789.apps.googleusercontent.com";
    private const string ClientSecret = "GOCSPX-iap-client-secret-value";
    private const string IapSecretPath = $"/api/v1/namespaces/{Ns}/secrets/mlflow-iap-oauth";

    [Test]
    public async Task Expose_ingress_applies_the_ingress_with_a_managed_certificate_a_health_check_on_health_and_the_https_redirect_for_the_hostname()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();

        // When
        var run = await Exposed(cluster).RunAsync(KubeTestEnvironment.ThroughApply);

        // Then
        var config = cluster.Server.Store.List(cluster.Server.Catalog.ByKind("ConfigMap"), Ns).Single(map => Name(map).StartsWith("mlflow-config-", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero, run.ToString());
            Assert.That(Field(cluster, "Ingress", "spec.rules.0.host"), Is.EqualTo(Hostname));
            Assert.That(Field(cluster, "Ingress", "spec.rules.0.http.paths.0.backend.service.name"), Is.EqualTo("mlflow"));
            Assert.That(cluster.Server.Get("Ingress", Ns, "mlflow")!["metadata"]!["annotations"]!["networking.gke.io/managed-certificates"]!.GetValue<string>(), Is.EqualTo("mlflow"));
            Assert.That(Field(cluster, "ManagedCertificate", "spec.domains.0"), Is.EqualTo(Hostname));
            Assert.That(Field(cluster, "BackendConfig", "spec.healthCheck.requestPath"), Is.EqualTo("/health"));
            Assert.That(cluster.Server.Get("BackendConfig", Ns, "mlflow")!["spec"]!["iap"], Is.Null, "AUTH=basic: MLflow logs users in, not IAP");
            Assert.That(Field(cluster, "FrontendConfig", "spec.redirectToHttps.enabled"), Is.EqualTo("true"));
            Assert.That(cluster.Server.Get("Service", Ns, "mlflow")!["metadata"]!["annotations"]!["cloud.google.com/backend-config"]!.GetValue<string>(), Is.EqualTo("""{"default": "mlflow"}"""));
            Assert.That(config["data"]!["ALLOWED_HOSTS"]!.GetValue<string>().Split(','), Does.Contain(Hostname).And.Contain("localhost:*"));
            Assert.That(config["data"]!["CORS_ALLOWED_ORIGINS"]!.GetValue<string>(), Is.EqualTo($"https://{Hostname}"));
            Assert.That(cluster.Server.Get("Deployment", Ns, "mlflow")!.ToJsonString(), Does.Contain("--cors-allowed-origins").And.Contains("basic-auth"));
            Assert.That(LoadBalancerSources(cluster), Is.EqualTo(new[] { "35.191.0.0/16 TCP/5000", "130.211.0.0/22 TCP/5000" }), "the namespace denies by default; the load balancer's ranges are admitted");
        });
    }

    [Test]
    public async Task The_run_summary_names_the_ingress_address_and_the_dns_record_to_create()
    {
        // Given an applied Ingress to which GKE has given an address, and a certificate waiting for DNS
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await Exposed(cluster).RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var ingress = cluster.Server.Get("Ingress", Ns, "mlflow")!.DeepClone().AsObject();
        ingress["status"] = JsonNode.Parse("""{"loadBalancer": {"ingress": [{"ip": "34.120.1.2"}]}}""");
        cluster.Server.Seed(ingress);
        var certificate = cluster.Server.Get("ManagedCertificate", Ns, "mlflow")!.DeepClone().AsObject();
        certificate["status"] = JsonNode.Parse("""{"certificateStatus": "Provisioning"}""");
        cluster.Server.Seed(certificate);

        // When
        var run = await Exposed(cluster).RunAsync(KubeTestEnvironment.ThroughApply);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero, run.ToString());
            Assert.That(run.Output, Does.Contain($"MLflow is published at https://{Hostname}/ through the Ingress address 34.120.1.2. DNS record to create (or check): {Hostname}. A 34.120.1.2."));
            Assert.That(run.Output, Does.Contain("Managed certificate: Provisioning (Google provisions it once the record resolves"));
        });
    }

    [Test]
    public async Task Auth_iap_writes_the_oauth_client_once_turns_iap_on_and_runs_mlflow_without_its_login()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await Iap(cluster).RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var first = cluster.Server.Get("Secret", Ns, "mlflow-iap-oauth")!.ToJsonString();
        var writesBefore = cluster.Server.Mutations.Count;

        // When
        var second = await Iap(cluster).RunAsync(KubeTestEnvironment.ThroughApply);

        // Then
        var rendered = await File.ReadAllTextAsync(Path.Combine(RepositoryLayout.Root, "artifacts", "render", "in-cluster", "manifest.yaml"));
        Assert.Multiple(() =>
        {
            Assert.That(second.ExitCode, Is.Zero, second.ToString());
            Assert.That(cluster.SecretValue("mlflow-iap-oauth", "client_id"), Is.EqualTo(ClientId));
            Assert.That(cluster.SecretValue("mlflow-iap-oauth", "client_secret"), Is.EqualTo(ClientSecret));
            Assert.That(cluster.Server.Get("Secret", Ns, "mlflow-iap-oauth")!.ToJsonString(), Is.EqualTo(first), "kept as it is");
            Assert.That(cluster.Server.Mutations.Skip(writesBefore).Where(request => request.Path.StartsWith(IapSecretPath, StringComparison.Ordinal)), Is.Empty);
            Assert.That(Field(cluster, "BackendConfig", "spec.iap.oauthclientCredentials.secretName"), Is.EqualTo("mlflow-iap-oauth"));
            Assert.That(cluster.Server.Get("Deployment", Ns, "mlflow")!.ToJsonString(), Does.Not.Contain("basic-auth"));
            Assert.That(cluster.Server.Get("Secret", Ns, "mlflow-auth"), Is.Null);
            Assert.That(new[] { rendered, second.All }, Has.None.Contains(ClientSecret));
        });
    }

    [Test]
    public async Task Going_back_to_expose_none_deletes_the_ingress_its_gke_objects_and_the_load_balancer_policy()
    {
        // Given
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await Exposed(cluster).RunAsync(KubeTestEnvironment.ThroughPrune)).ExitCode, Is.Zero);

        // When
        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughPrune);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero, run.ToString());
            foreach (var (kind, name) in new[] { ("Ingress", "mlflow"), ("ManagedCertificate", "mlflow"), ("BackendConfig", "mlflow"), ("FrontendConfig", "mlflow"), ("NetworkPolicy", "mlflow-load-balancer") })
            {
                Assert.That(cluster.Server.Get(kind, Ns, name), Is.Null, $"{kind}/{name}");
            }

            Assert.That(run.Output, Does.Contain("delete ingress.networking.k8s.io/mlflow").And.Contain("delete managedcertificate.networking.gke.io/mlflow"));
        });
    }

    [Test]
    public async Task On_a_cluster_without_gke_and_managed_prometheus_crds_deploy_and_prune_ignore_their_kinds()
    {
        // Given a cluster that serves none of the custom kinds the optional components use
        await using var cluster = await KubeTestEnvironment.StartAsync(unservedGroups: ["networking.gke.io", "cloud.google.com", "monitoring.googleapis.com"]);

        // When
        var first = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughPrune);
        var writesBefore = cluster.Server.Mutations.Count;
        var second = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughPrune);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(first.ExitCode, Is.Zero, first.ToString());
            Assert.That(second.ExitCode, Is.Zero, second.ToString());
            Assert.That(cluster.Server.Mutations.Skip(writesBefore), Is.Empty, "a redeploy writes nothing");
            Assert.That(cluster.Server.Requests.Where(request => request.Path.Contains("/apis/networking.gke.io/", StringComparison.Ordinal)), Is.Not.Empty, "Prune asked for ManagedCertificates");
        });
    }

    private static BuildProcess Exposed(KubeTestEnvironment cluster)
    {
        var build = cluster.Build("in-cluster");
        build.Environment["EXPOSE"] = "ingress";
        build.Environment["MLFLOW_HOSTNAME"] = Hostname;
        return build;
    }

    private static BuildProcess Iap(KubeTestEnvironment cluster)
    {
        var build = Exposed(cluster);
        build.Environment["AUTH"] = "iap";
        build.Environment["IAP_CLIENT_ID"] = ClientId;
        build.Environment["IAP_CLIENT_SECRET"] = ClientSecret;
        return build;
    }

    private static string Name(JsonObject item) => item["metadata"]!["name"]!.GetValue<string>();

    /// <summary>The sources NetworkPolicy mlflow-load-balancer admits, as "CIDR PROTOCOL/PORT".</summary>
    private static IEnumerable<string> LoadBalancerSources(KubeTestEnvironment cluster)
    {
        var rule = cluster.Server.Get("NetworkPolicy", Ns, "mlflow-load-balancer")!["spec"]!["ingress"]!.AsArray().Single()!;
        var port = rule["ports"]!.AsArray().Single()!;
        return rule["from"]!.AsArray().Select(peer => $"{peer!["ipBlock"]!["cidr"]} {port["protocol"]}/{port["port"]}");
    }

    /// <summary>A scalar of the object mlflow of <paramref name="kind"/>, by a dotted path (numbers index arrays).</summary>
    private static string? Field(KubeTestEnvironment cluster, string kind, string path)
    {
        JsonNode? node = cluster.Server.Get(kind, Ns, "mlflow");
        foreach (var part in path.Split('.'))
        {
            node = int.TryParse(part, out var index) ? node?[index] : node?[part];
        }

        return node?.ToString();
    }
}
