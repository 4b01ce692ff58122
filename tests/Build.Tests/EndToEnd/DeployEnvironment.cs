using System.Text.Json.Nodes;
using MlflowGke.Build.Image;
using MlflowGke.Build.Tests.Docker;
using MlflowGke.Build.Tests.Fakes.Google;
using MlflowGke.Build.Tests.Fakes.Kubernetes;
using MlflowGke.Build.Tests.Fakes.Registry;
using MlflowGke.Build.Tests.Google;
using MlflowGke.Build.Tests.Rendering;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.EndToEnd;

/// <summary>
/// Everything Deploy reaches, composed from the existing doubles: the fake kube-apiserver (kubeconfig with the
/// GKE context and "other-cluster", private HOME), the fake Google APIs seeded by <see cref="GoogleTestSetup"/>,
/// a real registry (also the IMAGE_MIRROR holding the third-party images), and a busybox build context that the real docker daemon builds.
/// </summary>
public sealed class DeployEnvironment : IAsyncDisposable
{
    public const string ClusterName = "mlflow-e2e";
    public const string Context = $"gke_{GoogleTestSetup.Project}_{GoogleTestSetup.Region}_{ClusterName}";
    public const string OtherContext = "other-cluster";
    public const string Namespace = "mlflow";
    public const string ImageName = "mlflow";
    public const string Bucket = "e2e-mlflow-artifacts";
    public const string ProxyAccount = "mlflow-cloudsql-proxy";

    private readonly TempDirectory _home = new();

    private DeployEnvironment(FakeKubeApiServer kube, FakeGoogleCloud google, LocalRegistry registry)
    {
        Kube = kube;
        Google = google;
        Registry = registry;
        Kubeconfig = _home.Combine("kubeconfig");
        kube.WriteKubeconfig(Kubeconfig, Context, OtherContext);
    }

    public FakeKubeApiServer Kube { get; }

    public FakeGoogleCloud Google { get; }

    public LocalRegistry Registry { get; }

    public BusyboxContext Image { get; } = new();

    public string Kubeconfig { get; }

    public string Repository => $"{Registry.Host}/{ImageName}";

    /// <summary>The tag BuildImage gives the image: a digest of the build context as it is now.</summary>
    public string ContentTag => ImageInputDigest.Tag(Image.Path, Path.Combine(Image.Path, "Dockerfile"));

    public static async Task<DeployEnvironment> StartAsync()
    {
        DockerRequirement.Check();
        KubectlAvailability.Require();
        var registry = await LocalRegistry.StartAsync();
        await ThirdPartyImages.MirrorAsync(registry);
        return new DeployEnvironment(await FakeKubeApiServer.StartAsync(), await GoogleTestSetup.StartFakeAsync(), registry);
    }

    /// <summary>A started environment that one successful Deploy on <paramref name="database"/> has already reached; the test fails when that Deploy fails.</summary>
    public static async Task<DeployEnvironment> DeployedAsync(string database)
    {
        var environment = await StartAsync();
        try
        {
            var deploy = await environment.Build(database).RunAsync("--target=Deploy");
            Assert.That(deploy.ExitCode, Is.Zero, deploy.ToString());
            return environment;
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    /// <summary>Build.dll with the Google settings of <see cref="GoogleTestSetup.Process"/> plus this cluster, registry and image context.</summary>
    public BuildProcess Build(string database)
    {
        var build = GoogleTestSetup.Process(Google, database, Namespace);
        build.Environment["HOME"] = _home.Path;
        build.Environment["KUBECONFIG"] = Kubeconfig;
        build.Environment["CLUSTER_NAME"] = ClusterName;
        build.Environment["BUCKET_NAME_MLFLOW"] = Bucket;
        build.Environment["WAIT_TIMEOUT"] = "30s";
        build.Environment["IMAGE_REPOSITORY"] = Repository;
        build.Environment["IMAGE_CONTEXT"] = Image.Path;
        build.Environment["IMAGE_MIRROR"] = Registry.Host;
        return build;
    }

    /// <summary>The real kubectl on this cluster's context, as a user changes things by hand; throws when it fails.</summary>
    public async Task<string> KubectlAsync(params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { $"--context={Context}", $"--namespace={Namespace}" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = _home.Path;
        start.Environment["KUBECONFIG"] = Kubeconfig;
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"kubectl {string.Join(' ', arguments)} failed: {await error}");
    }

    public Task<string?> PushedDigestAsync() => Registry.DigestAsync(ImageName, ContentTag);

    public string? DeploymentImage(string name) =>
        Kube.Get("Deployment", Namespace, name)?["spec"]?["template"]?["spec"]?["containers"]?.AsArray()
            .OfType<JsonObject>().Select(container => container["image"]?.GetValue<string>()).FirstOrDefault();

    public string? Annotation(string serviceAccount) =>
        Kube.Get("ServiceAccount", Namespace, serviceAccount)?["metadata"]?["annotations"]?["iam.gke.io/gcp-service-account"]?.GetValue<string>();

    public IReadOnlyList<string> WorkloadIdentityMembers(string email) =>
        Google.Policies.Members(FakeGoogleCloud.ServiceAccountResource(GoogleTestSetup.Project, email), GoogleTestSetup.WorkloadIdentityUser);

    /// <summary>The end state of a deploy in every system, with this registry's address and digest left out so two runs compare.</summary>
    public async Task<DeployFacts> FactsAsync()
    {
        var digest = await PushedDigestAsync();
        var instance = Google.CloudSql.Instance(GoogleTestSetup.Project, GoogleTestSetup.Instance)!;
        var objects = Kube.Catalog.Types
            .Where(type => type.Kind is not ("Pod" or "Event"))
            .SelectMany(type => Kube.Store.List(type, null).Select(item => $"{type.Kind} {item["metadata"]?["namespace"]}/{(type.Kind == "Job" ? "mlflow-migrate-HASH (of the image, so of this registry)" : item["metadata"]?["name"])}"))
            .Order(StringComparer.Ordinal);
        return new DeployFacts(
            ContentTag,
            DeploymentImage("mlflow") == $"{Repository}@{digest}",
            string.Join(", ", objects),
            $"mlflow={Annotation("mlflow")}; proxy={Annotation(ProxyAccount)}",
            $"mlflow={string.Join(" ", WorkloadIdentityMembers(GoogleTestSetup.MlflowEmail))}; proxy={string.Join(" ", WorkloadIdentityMembers(GoogleTestSetup.ProxyEmail))}; "
                + $"cloudsql.client={string.Join(" ", Google.Policies.Members(FakeGoogleCloud.ProjectResource(GoogleTestSetup.Project), "roles/cloudsql.client"))}",
            $"databases={string.Join(" ", instance.Databases.Order(StringComparer.Ordinal))}; users={string.Join(" ", instance.Users.Keys.Order(StringComparer.Ordinal))}");
    }

    public async ValueTask DisposeAsync()
    {
        await Kube.DisposeAsync();
        await Google.DisposeAsync();
        await Registry.DisposeAsync();
        Image.Dispose();
        _home.Dispose();
    }
}

/// <summary>What a deploy leaves behind, comparable between runs against different doubles.</summary>
public sealed record DeployFacts(string ImageTag, bool DeploymentPinsPushedDigest, string KubeObjects, string Annotations, string IamMembers, string CloudSql);
