using System.Text.Json.Nodes;
using MlflowGke.Build.Tests.Google;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Tasks;

public sealed class DoctorTaskTests
{
    [Test]
    public async Task Missing_tools_fail_with_a_fix_for_each()
    {
        using var bin = new TempDirectory();
        File.CreateSymbolicLink(Path.Combine(bin.Path, "dotnet"), DotnetPath());
        var build = new BuildProcess();
        build.Environment["PATH"] = bin.Path;
        build.Environment["HOME"] = bin.Path;

        var result = await build.RunAsync("--target=Doctor");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.Output, Does.Match(@"pass\s+dotnet"));
            Assert.That(result.Output, Does.Match(@"FAIL\s+docker CLI\s+'docker' was not found on PATH"));
            Assert.That(result.Output, Does.Match(@"FAIL\s+kubectl\s+'kubectl' was not found on PATH"));
            Assert.That(result.Output, Does.Match(@"FAIL\s+diff\s+'diff' was not found on PATH"));
            Assert.That(result.Output, Does.Contain("fix: install the docker CLI").And.Contain("fix: install kubectl").And.Contain("fix: install diff (Debian: apt-get install diffutils)"));
            Assert.That(result.Output, Does.Match(@"FAIL\s+Google credentials\s+no application default credentials"));
            Assert.That(result.All, Does.Contain("required check(s) failed: docker CLI, kubectl, diff, Google credentials"));
        });
    }

    [Test]
    public async Task Kube_context_missing_from_kubeconfig_is_a_failure_with_the_get_credentials_command()
    {
        using var home = new TempDirectory();
        var build = new BuildProcess();
        build.Environment["HOME"] = home.Path;
        build.Environment["KUBECONFIG"] = home.Combine("kubeconfig");
        File.WriteAllText(home.Combine("kubeconfig"), "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");

        var result = await build.RunAsync("--target=Doctor", "--project-id=my-project-1", "--region=europe-west1", "--cluster-name=ml");

        Assert.Multiple(() =>
        {
            Assert.That(result.Output, Does.Match(@"FAIL\s+kube context\s+context 'gke_my-project-1_europe-west1_ml' is not in the kubeconfig"), result.ToString);
            Assert.That(result.Output, Does.Contain("gcloud container clusters get-credentials ml --region europe-west1 --project my-project-1"));
        });
    }

    [Test]
    public async Task Credentials_from_an_access_token_pass()
    {
        var build = new BuildProcess();
        build.Environment["GOOGLE_OAUTH_ACCESS_TOKEN"] = "ya29.secret-token-value";

        var result = await build.RunAsync("--target=Doctor");

        Assert.Multiple(() =>
        {
            Assert.That(result.Output, Does.Match(@"pass\s+Google credentials\s+GOOGLE_OAUTH_ACCESS_TOKEN is set"), result.ToString);
            Assert.That(result.All, Does.Not.Contain("secret-token-value"));
        });
    }

    [TestCase("""{"networkConfig":{"datapathProvider":"ADVANCED_DATAPATH"}}""", @"pass\s+network policy\s+enforced on ml: GKE Dataplane V2")]
    [TestCase("""{"autopilot":{"enabled":true}}""", @"pass\s+network policy\s+enforced on ml: Autopilot")]
    [TestCase("""{"networkConfig":{"datapathProvider":"LEGACY_DATAPATH"},"networkPolicy":{"enabled":true,"provider":"CALICO"}}""", @"pass\s+network policy\s+enforced on ml: network policy enforcement on")]
    [TestCase("""{"networkConfig":{"datapathProvider":"LEGACY_DATAPATH"},"addonsConfig":{"networkPolicyConfig":{"disabled":false}}}""", @"warn\s+network policy\s+NOT enforced on ml \(datapath LEGACY_DATAPATH without network policy enforcement\)")]
    public async Task Network_policy_enforcement_is_read_from_the_cluster(string cluster, string expected)
    {
        // Given a cluster as the Kubernetes Engine API describes it
        await using var google = await GoogleTestSetup.StartFakeAsync();
        google.Clusters[$"{GoogleTestSetup.Region}/ml"] = JsonNode.Parse(cluster)!.AsObject();
        var build = GoogleTestSetup.Process(google);
        build.Environment["CLUSTER_NAME"] = "ml";

        // When
        var result = await build.RunAsync("--target=Doctor");

        // Then
        Assert.That(result.Output, Does.Match(expected), result.ToString());
        Assert.That(result.All, Does.Not.Match(@"required check\(s\) failed:.*network policy"), "a warning, never a failure");
    }

    [Test]
    public async Task A_zonal_cluster_is_read_in_the_zone_its_gcloud_context_names()
    {
        // Given a zonal cluster, and the context gcloud container clusters get-credentials names for it
        await using var google = await GoogleTestSetup.StartFakeAsync();
        google.Clusters["europe-west1-b/ml"] = JsonNode.Parse("""{"networkConfig":{"datapathProvider":"ADVANCED_DATAPATH"}}""")!.AsObject();
        var build = GoogleTestSetup.Process(google);
        build.Environment["CLUSTER_NAME"] = "ml";
        build.Environment["KUBE_CONTEXT"] = $"gke_{GoogleTestSetup.Project}_europe-west1-b_ml";

        // When
        var result = await build.RunAsync("--target=Doctor");

        // Then
        Assert.That(result.Output, Does.Match(@"pass\s+network policy\s+enforced on ml: GKE Dataplane V2"), result.ToString());
    }

    [Test]
    public async Task Network_policy_is_not_checked_without_a_cluster_to_read()
    {
        await using var google = await GoogleTestSetup.StartFakeAsync();
        var build = GoogleTestSetup.Process(google);
        build.Environment["CLUSTER_NAME"] = "absent";

        var result = await build.RunAsync("--target=Doctor");

        Assert.That(result.Output, Does.Match(@"warn\s+network policy\s+not checked: no cluster absent in europe-west1 of project"), result.ToString());
    }

    private static string DotnetPath() =>
        Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(directory => Path.Combine(directory, "dotnet")).First(File.Exists);
}
