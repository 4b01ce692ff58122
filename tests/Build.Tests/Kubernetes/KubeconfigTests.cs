using System.Runtime.Versioning;
using Cake.Core.Diagnostics;
using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Tests.Fakes.Kubernetes;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Kubernetes;

public sealed class KubeconfigTests
{
    [Test]
    public void Files_in_KUBECONFIG_merge_with_the_first_entry_of_a_name_winning()
    {
        // Given
        using var folder = new TempDirectory();
        File.WriteAllText(folder.Combine("first"), """
            apiVersion: v1
            kind: Config
            clusters:
            - name: gke_p_r_c
              cluster:
                server: https://10.0.0.1
            contexts:
            - name: prod
              context:
                cluster: gke_p_r_c
                user: me
            users:
            - name: me
              user:
                token: t
            """);
        File.WriteAllText(folder.Combine("second"), """
            apiVersion: v1
            kind: Config
            current-context: dev
            contexts:
            - name: prod
              context:
                cluster: elsewhere
                user: me
            - name: dev
              context:
                cluster: kind-dev
                user: me
            """);

        // When
        var kubeconfig = Kubeconfig.Load($"{folder.Combine("first")}:{folder.Combine("missing")}:{folder.Combine("second")}", folder.Path);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(kubeconfig.Contexts, Is.EqualTo(new[] { "prod", "dev" }));
            Assert.That(kubeconfig.ClusterOf("prod"), Is.EqualTo("gke_p_r_c"));
            Assert.That(kubeconfig.CurrentContext, Is.EqualTo("dev"));
            Assert.That(kubeconfig.ClusterOf("nope"), Is.Null);
        });
    }

    [Test]
    public void Without_KUBECONFIG_the_file_in_home_is_read()
    {
        // Given
        using var home = new TempDirectory();
        Directory.CreateDirectory(home.Combine(".kube"));
        File.WriteAllText(home.Combine(".kube", "config"), "apiVersion: v1\nkind: Config\ncurrent-context: a\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n");

        // When
        var kubeconfig = Kubeconfig.Load(null, home.Path);

        // Then
        Assert.That(kubeconfig.CurrentContext, Is.EqualTo("a"));
    }

    [Test]
    public void A_context_without_credentials_gets_an_anonymous_client_as_kubectl_does()
    {
        // Given
        using var folder = new TempDirectory();
        File.WriteAllText(folder.Combine("config"), "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:6443\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n");

        // When
        using var connection = Kubeconfig.Load(folder.Combine("config"), folder.Path).ConnectionFor("a");

        // Then
        Assert.That(connection.Server, Is.EqualTo(new Uri("http://127.0.0.1:6443/")));
    }

    [Test]
    public async Task Reads_carry_the_token_of_the_kubeconfig_user()
    {
        // Given
        await using var server = await FakeKubeApiServer.StartAsync();
        using var folder = new TempDirectory();
        File.WriteAllText(folder.Combine("config"), Config(server, "    token: from-kubeconfig\n"));

        // When
        await ReadNamespaceAsync(folder.Combine("config"));

        // Then
        Assert.That(server.Requests.Select(request => request.Authorization), Is.EqualTo(new[] { "Bearer from-kubeconfig" }));
    }

    [Test]
    [SupportedOSPlatform("linux")]
    public async Task Reads_carry_the_token_an_exec_plugin_prints_as_gke_gcloud_auth_plugin_does()
    {
        // Given
        await using var server = await FakeKubeApiServer.StartAsync();
        using var folder = new TempDirectory();
        var plugin = folder.Combine("auth-plugin");
        File.WriteAllText(plugin, "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"from-plugin\"}}'\n");
        File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        File.WriteAllText(folder.Combine("config"), Config(server, $"    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {plugin}\n      provideClusterInfo: true\n"));

        // When
        await ReadNamespaceAsync(folder.Combine("config"));

        // Then
        Assert.That(server.Requests.Select(request => request.Authorization), Is.EqualTo(new[] { "Bearer from-plugin" }));
    }

    private static string Config(FakeKubeApiServer server, string user) =>
        $"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server.Uri}\nusers:\n- name: u\n  user:\n{user}contexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n";

    private static async Task ReadNamespaceAsync(string kubeconfig)
    {
        using var connection = Kubeconfig.Load(kubeconfig, string.Empty).ConnectionFor("a");
        var api = new KubeApi(connection, "a", "mlflow", KubectlRetry.Default, new NullLog());
        await api.GetAsync("namespace", "mlflow", CancellationToken.None);
    }
}
