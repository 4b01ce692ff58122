using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Tooling;
using MlflowGke.Build.Image;
using MlflowGke.Build.Rendering;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Rendering;

/// <summary>Settings for one render and the image it pins; <see cref="ToString"/> names the NUnit case.</summary>
public sealed record RenderCase(string Name, IReadOnlyDictionary<string, string> Values, ImageReference Image)
{
    public const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public static readonly RenderCase InCluster = new(
        "in-cluster",
        new Dictionary<string, string>
        {
            [SettingNames.ProjectId] = "my-proj",
            [SettingNames.Region] = "europe-west1",
            [SettingNames.BucketNameMlflow] = "my-bucket",
            [SettingNames.MlflowServiceAccountId] = "mlflow-server",
        },
        new ImageReference("europe-west1-docker.pkg.dev/my-proj/mlflow/mlflow", "3.6.0-abc123"));

    public static readonly RenderCase InClusterOtherNamespace = new(
        "in-cluster, namespace team-a, digest, client namespaces, exposed behind IAP",
        new Dictionary<string, string>(InCluster.Values)
        {
            [SettingNames.Namespace] = "team-a",
            [SettingNames.BucketNameMlflow] = "gs://team-a-bucket/",
            [SettingNames.ClientNamespaceLabel] = "example.com/mlflow-client=true",
            [SettingNames.Expose] = "ingress",
            [SettingNames.MlflowHostname] = "mlflow.team-a.example.org",
            [SettingNames.Auth] = "iap",
            [SettingNames.IapClientId] = "123456789012-abcdef0123456789.apps.googleusercontent.com",
        },
        new ImageReference("registry.example.com:5000/ml/mlflow", "3.6.0", Digest));

    public static readonly RenderCase CloudSqlPostgres = new(
        "cloud-sql, postgres, public ip, metrics",
        new Dictionary<string, string>(InCluster.Values)
        {
            [SettingNames.CloudSqlInstanceName] = "db-proj:us-central1:mlflow-db",
            [SettingNames.ResourceSuffix] = "dev",
            [SettingNames.Metrics] = "true",
        },
        InCluster.Image);

    public static readonly RenderCase CloudSqlMySqlPrivate = new(
        "cloud-sql, mysql, private ip, namespace ml-prod, digest, one replica",
        new Dictionary<string, string>(CloudSqlPostgres.Values)
        {
            [SettingNames.CloudSqlInstanceName] = "mlflow-db",
            [SettingNames.CloudSqlEngine] = "mysql",
            [SettingNames.CloudSqlPrivateIp] = "true",
            [SettingNames.Namespace] = "ml-prod",
            [SettingNames.MlflowReplicas] = "1",
        },
        InClusterOtherNamespace.Image);

    public static IEnumerable<RenderCase> All => [InCluster, InClusterOtherNamespace, CloudSqlPostgres, CloudSqlMySqlPrivate];

    public DeploySettings Settings()
    {
        var settings = TestSettings.Parse(Values);
        Assert.That(settings.Errors.Select(error => error.Message), Is.Empty, "the case's settings are valid");
        return settings;
    }

    public override string ToString() => Name;
}

/// <summary>Renders cases in-process with the real kubectl, through Cake's real process runner, into a temp folder.</summary>
public static class Renderer
{
    public static IKustomize Kustomize { get; } = CreateKustomize();

    public static async Task<string> RenderAsync(RenderCase renderCase, string outputRoot)
    {
        var renderer = new ManifestRenderer(renderCase.Settings(), new Topology(renderCase.Settings()), Kustomize, new NullLog(), new DirectoryPath(RepositoryLayout.Root))
        {
            OutputRoot = new DirectoryPath(outputRoot),
        };
        var manifest = await renderer.RenderAsync(renderCase.Image);
        return await File.ReadAllTextAsync(manifest.Manifest.FullPath);
    }

    private static KubectlKustomize CreateKustomize()
    {
        var fileSystem = new FileSystem();
        var environment = new CakeEnvironment(new CakePlatform(), new CakeRuntime());
        var log = new NullLog();
        var configuration = new CakeConfiguration(new Dictionary<string, string>());
        var tools = new ToolLocator(environment, new ToolRepository(environment), new ToolResolutionStrategy(fileSystem, environment, new Globber(fileSystem, environment), configuration, log));
        return new KubectlKustomize(fileSystem, environment, new ProcessRunner(fileSystem, environment, log, tools, configuration), tools);
    }
}
