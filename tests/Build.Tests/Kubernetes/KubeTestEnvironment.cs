using System.Diagnostics;
using System.Text;
using MlflowGke.Build.Tests.Fakes.Kubernetes;
using MlflowGke.Build.Tests.Fakes.Registry;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>
/// A fake apiserver, a kubeconfig pointing at it (context gke_PROJECT_REGION_CLUSTER, plus "other-cluster"),
/// and a private HOME so kubectl's discovery cache is this test's own. Runs the real kubectl and the real Build.dll.
/// </summary>
public sealed class KubeTestEnvironment : IAsyncDisposable
{
    public const string ProjectId = "test-project";
    public const string Region = "europe-west1";
    public const string ClusterName = "mlflow-test";
    public const string Context = $"gke_{ProjectId}_{Region}_{ClusterName}";
    public const string OtherContext = "other-cluster";
    public const string Namespace = "mlflow";
    public const string MlflowServiceAccountEmail = $"mlflow-server@{ProjectId}.iam.gserviceaccount.com";
    public const string ProxyServiceAccountEmail = $"mlflow-csql-proxy-t1@{ProjectId}.iam.gserviceaccount.com";

    public const string ImageName = "mlflow";

    /// <summary>The Kubernetes steps of Deploy, without the image and Google steps before them.</summary>
    public static readonly string[] ThroughApply = ["--target=Annotate", "--target=Apply", "--exclusive"];

    public static readonly string[] ThroughWaitReady = ["--target=Annotate", "--target=Apply", "--target=WaitReady", "--exclusive"];

    /// <summary>Through Prune, which deletes what the render no longer holds once the rollouts are ready.</summary>
    public static readonly string[] ThroughPrune = ["--target=Annotate", "--target=Apply", "--target=WaitReady", "--target=Prune", "--exclusive"];
    public const string ImageTag = "kube-test";

    private readonly TempDirectory _home = new();

    private KubeTestEnvironment(FakeKubeApiServer server, LocalRegistry registry, string imageDigest, string currentContext)
    {
        Server = server;
        Registry = registry;
        ImageDigest = imageDigest;
        Kubeconfig = _home.Combine("kubeconfig");
        server.WriteKubeconfig(Kubeconfig, currentContext, currentContext == Context ? OtherContext : Context);
    }

    public FakeKubeApiServer Server { get; }

    /// <summary>A real registry holding the image Apply pins and, as IMAGE_MIRROR, the third-party images (pushed without a docker daemon).</summary>
    public LocalRegistry Registry { get; }

    public string ImageDigest { get; }

    /// <summary>Each third-party image the manifests name, with the digest the mirror serves for it.</summary>
    public IReadOnlyDictionary<string, string> MirroredImages { get; private init; } = new Dictionary<string, string>();

    public string Kubeconfig { get; }

    /// <param name="unservedGroups">API groups the fake cluster leaves out, as a cluster without their CRDs.</param>
    public static async Task<KubeTestEnvironment> StartAsync(string currentContext = Context, IReadOnlyList<string>? unservedGroups = null)
    {
        RequireKubectl();
        var registry = await LocalRegistry.StartAsync();
        var digest = await registry.PushSyntheticImageAsync(ImageName, ImageTag);
        var mirrored = await ThirdPartyImages.MirrorAsync(registry);
        return new KubeTestEnvironment(await FakeKubeApiServer.StartAsync([.. unservedGroups ?? []]), registry, digest, currentContext) { MirroredImages = mirrored };
    }

    /// <summary>The build, with settings for this cluster on <paramref name="database"/> ("in-cluster" or "cloud-sql").</summary>
    public BuildProcess Build(string database, string imageTag = ImageTag)
    {
        var build = new BuildProcess();
        build.Environment["HOME"] = _home.Path;
        build.Environment["KUBECONFIG"] = Kubeconfig;
        build.Environment["PROJECT_ID"] = ProjectId;
        build.Environment["REGION"] = Region;
        build.Environment["CLUSTER_NAME"] = ClusterName;
        build.Environment["MLFLOW_SERVICE_ACCOUNT_ID"] = "mlflow-server";
        build.Environment["RESOURCE_SUFFIX"] = "t1";
        build.Environment["DATABASE"] = database;
        build.Environment["WAIT_TIMEOUT"] = "60s";
        build.Environment["BUCKET_NAME_MLFLOW"] = "test-mlflow-artifacts";
        build.Environment["IMAGE_REPOSITORY"] = $"{Registry.Host}/{ImageName}";
        build.Environment["IMAGE_TAG"] = imageTag;
        build.Environment["IMAGE_MIRROR"] = Registry.Host;
        if (database == "cloud-sql")
        {
            build.Environment["CLOUDSQL_INSTANCE_NAME"] = "mlflow-db";
            build.Environment["DB_PASSWORD"] = DatabasePassword;
        }

        return build;
    }

    public Task<(int ExitCode, string Output, string Error)> KubectlAsync(params string[] arguments) => KubectlWithInputAsync(string.Empty, arguments);

    public async Task<(int ExitCode, string Output, string Error)> KubectlWithInputAsync(string standardInput, params string[] arguments)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = _home.Path;
        start.Environment["KUBECONFIG"] = Kubeconfig;
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(standardInput);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6)); // above the bench's 300s kubectl wait
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, await output, $"kubectl {string.Join(' ', arguments)} hung; requests:{Environment.NewLine}{string.Join(Environment.NewLine, Server.Requests)}{Environment.NewLine}{await error}");
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>The committed overlay rendered offline, as the suite's renderer would produce it.</summary>
    public async Task<string> RenderOverlayAsync(string overlay)
    {
        var (exitCode, output, error) = await KubectlAsync("kustomize", Path.Combine(RepositoryLayout.Deployment, "mlflow", "env", overlay));
        Assert.That(exitCode, Is.Zero, error);
        var path = _home.Combine($"{overlay}.yaml");
        await File.WriteAllTextAsync(path, output);
        return path;
    }

    public const string DatabasePassword = "CloudSqlPassword0123456789abcdef";

    /// <summary>One key of a Secret in the namespace, decoded; null when the Secret or key is missing.</summary>
    public string? SecretValue(string secret, string key) =>
        Server.Get("Secret", Namespace, secret)?["data"]?[key]?.GetValue<string>() is { } encoded ? Encoding.UTF8.GetString(Convert.FromBase64String(encoded)) : null;

    /// <summary>The names of the migration Jobs in the namespace (not the schema check's or a backup's).</summary>
    public IReadOnlyList<string> MigrationJobs() =>
        Server.Store.List(Server.Catalog.ByKind("Job"), Namespace)
            .Where(job => job["metadata"]?["labels"]?["app.kubernetes.io/component"]?.GetValue<string>() == "migration")
            .Select(job => job["metadata"]!["name"]!.GetValue<string>())
            .ToList();

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Registry.DisposeAsync();
        _home.Dispose();
    }

    private static void RequireKubectl()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(folder => File.Exists(Path.Combine(folder, "kubectl")));
        if (!found)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail("kubectl is not on PATH; CI must provide it.");
            }

            Assert.Ignore("kubectl is not on PATH.");
        }
    }
}
