using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Tests.Support;
using MlflowGke.Build.Verify;

namespace MlflowGke.Build.Tests.Verify;

public sealed class KubectlPortForwardTests
{
    [Test]
    public void Command_line_forwards_the_service_port_to_a_free_loopback_port()
    {
        var settings = new KubectlPortForwardSettings { Context = "gke_p_europe-west1_c", Namespace = "mlflow" };

        var commandLine = KubectlTool.Targeting(settings.Target, KubectlPortForward.Arguments(settings));

        Assert.That(commandLine.Render(), Is.EqualTo("--context=\"gke_p_europe-west1_c\" --namespace=\"mlflow\" port-forward \"svc/mlflow\" :5000 --address=127.0.0.1 --pod-running-timeout=45s"));
    }

    [TestCase("Forwarding from 127.0.0.1:40123 -> 5000", 40123)]
    [TestCase("Forwarding from [::1]:40123 -> 5000", null)]
    [TestCase("Handling connection for 40123", null)]
    [TestCase(null, null)]
    public void Local_port_is_read_from_kubectls_forwarding_line(string? line, int? port) =>
        Assert.That(KubectlPortForward.ParseLocalPort(line), Is.EqualTo(port));

    [Test]
    [Category("Kubectl")]
    public async Task A_context_missing_from_the_kubeconfig_is_explained()
    {
        using var home = KubeconfigHome("clusters: []\ncontexts: []\nusers: []\n");

        var result = await VerifyThroughPortForwardAsync(home, "nope");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.All, Does.Contain("the kube context 'nope' is not in the kubeconfig. Run: gcloud container clusters get-credentials"));
            Assert.That(result.All, Does.Contain("kubectl said: error: context \"nope\" does not exist"));
        });
    }

    [Test]
    [Category("Kubectl")]
    public async Task An_unreachable_cluster_is_explained()
    {
        using var home = KubeconfigHome(
            "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n"
            + "contexts:\n- name: ctx\n  context:\n    cluster: c\n    user: u\n"
            + "users:\n- name: u\n  user:\n    token: not-a-real-token\n");

        var result = await VerifyThroughPortForwardAsync(home, "ctx");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.All, Does.Contain("kubectl port-forward svc/mlflow --namespace mlflow exited with code 1: kubectl cannot reach the cluster of context 'ctx'"));
            Assert.That(result.All, Does.Not.Contain("not-a-real-token"));
        });
    }

    private static TempDirectory KubeconfigHome(string body)
    {
        if (new BuildProcess().Environment["PATH"].Split(':').All(directory => !File.Exists(Path.Combine(directory, "kubectl"))))
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail("kubectl is not on PATH");
            }

            Assert.Ignore("kubectl is not on PATH");
        }

        var home = new TempDirectory();
        File.WriteAllText(home.Combine("kubeconfig"), "apiVersion: v1\nkind: Config\n" + body);
        return home;
    }

    private static Task<BuildResult> VerifyThroughPortForwardAsync(TempDirectory home, string kubeContext)
    {
        var build = new BuildProcess();
        build.Environment["HOME"] = home.Path;
        build.Environment["KUBECONFIG"] = home.Combine("kubeconfig");
        return build.RunAsync("--target=Verify", $"--kube-context={kubeContext}");
    }
}
