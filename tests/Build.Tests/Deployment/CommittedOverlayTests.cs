using k8s.Models;
using MlflowGke.Build.Tests.Rendering;
using MlflowGke.Build.Tests.Support;
using YamlDotNet.Core;
using DirectoryPath = Cake.Core.IO.DirectoryPath;

namespace MlflowGke.Build.Tests.Deployment;

/// <summary>The committed overlays as a user builds them by hand: no warnings, and every object valid against the API schema.</summary>
[Category("Kubectl")]
public sealed class CommittedOverlayTests
{
    private static readonly string[] Overlays = ["env/gcp", "env/gcp-cloudsql"];

    [SetUp]
    public void RequireKubectl() => KubectlAvailability.Require();

    [TestCaseSource(nameof(Overlays))]
    public void Builds_without_warnings_into_objects_the_api_accepts(string overlay)
    {
        var output = Renderer.Kustomize.Build(Mlflow(overlay));

        Assert.That(output.Warnings, Is.Empty, "kustomize warns on deprecated fields");
        Assert.That(new RenderedManifest(output.Manifest).Objects, Has.Count.GreaterThan(5));
    }

    [Test]
    public void The_mysql_component_builds_on_the_cloud_sql_overlay_without_warnings()
    {
        using var folder = new TempDirectory();
        var output = Renderer.Kustomize.Build(Kustomization(folder, "env/gcp-cloudsql"));

        Assert.That(output.Warnings, Is.Empty);
        Assert.That(new RenderedManifest(output.Manifest).Single<V1Service>("cloudsql-proxy").Spec.Ports.Single().Port, Is.EqualTo(3306));
    }

    [Test]
    public void The_mysql_component_refuses_an_overlay_without_the_proxy()
    {
        using var folder = new TempDirectory();

        var failure = Assert.Throws<InvalidOperationException>(() => Renderer.Kustomize.Build(Kustomization(folder, "env/gcp")));
        Assert.That(failure!.Message, Does.Contain("cloudsql-proxy"));
    }

    [Test]
    public void The_deprecation_check_sees_kustomize_warnings()
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.Combine("kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ncommonLabels:\n  app: x\nresources:\n  - map.yaml\n");
        File.WriteAllText(folder.Combine("map.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");

        Assert.That(Renderer.Kustomize.Build(new DirectoryPath(folder.Path)).Warnings, Has.Some.Contains("'commonLabels' is deprecated"));
    }

    [TestCase("readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true")]
    [TestCase("  replicas: 2\n", "  replicas: 2\n  podManagementPolicy: Parallel\n")]
    [TestCase("- containerPort: 5000\n", "- containerPort: 5000\n          hostPrt: 5000\n")]
    public void A_field_the_api_does_not_have_fails_validation(string valid, string invalid)
    {
        var manifest = Renderer.Kustomize.Build(Mlflow("env/gcp")).Manifest;
        Assert.That(manifest, Does.Contain(valid), "the test edits a field that is rendered");

        Assert.DoesNotThrow(() => KubernetesSchema.Load(manifest));
        Assert.Throws<YamlException>(() => KubernetesSchema.Load(manifest.Replace(valid, invalid)));
    }

    private static DirectoryPath Mlflow(string overlay) => new(Path.Combine(RepositoryLayout.Deployment, "mlflow", overlay));

    /// <summary>A kustomization in <paramref name="folder"/> of the overlay plus the MySQL component; paths must be relative.</summary>
    private static DirectoryPath Kustomization(TempDirectory folder, string overlay)
    {
        var mlflow = Path.GetRelativePath(folder.Path, Path.Combine(RepositoryLayout.Deployment, "mlflow"));
        File.WriteAllText(folder.Combine("kustomization.yaml"), $"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - {mlflow}/{overlay}\ncomponents:\n  - {mlflow}/components/cloudsql-mysql\n");
        return new DirectoryPath(folder.Path);
    }
}
