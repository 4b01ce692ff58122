using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Kubernetes;

public sealed class ManifestObjectTests
{
    private const string Manifest = """
        apiVersion: v1
        kind: Service
        metadata:
          name: mlflow
          labels:
            app: mlflow
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: mlflow
          labels:
            app: mlflow
            app.kubernetes.io/component: server
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: postgres
        """;

    [Test]
    public void Objects_are_named_as_kubectl_names_them()
    {
        // Given
        using var folder = new TempDirectory();
        File.WriteAllText(folder.Combine("manifest.yaml"), Manifest);

        // When
        var objects = ManifestObject.Read(folder.Combine("manifest.yaml"));

        // Then
        Assert.That(objects.Select(item => item.Name), Is.EqualTo(new[] { "service/mlflow", "deployment.apps/mlflow", "networkpolicy.networking.k8s.io/postgres" }));
    }

    [TestCase("app.kubernetes.io/component=server", new[] { "deployment.apps/mlflow" })]
    [TestCase("app.kubernetes.io/component!=server", new[] { "service/mlflow", "networkpolicy.networking.k8s.io/postgres" })]
    [TestCase("app=mlflow,!app.kubernetes.io/component", new[] { "service/mlflow" })]
    [TestCase("app", new[] { "service/mlflow", "deployment.apps/mlflow" })]
    public void Label_selectors_pick_what_kubectl_would(string selector, string[] expected)
    {
        // Given
        using var folder = new TempDirectory();
        File.WriteAllText(folder.Combine("manifest.yaml"), Manifest);

        // When
        var selected = ManifestObject.Read(folder.Combine("manifest.yaml")).Where(item => item.Matches(selector));

        // Then
        Assert.That(selected.Select(item => item.Name), Is.EqualTo(expected));
    }
}
