using Cake.Core.IO;
using MlflowGke.Build.Rendering;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Rendering;

public sealed class KubectlKustomizeTests
{
    [Test]
    public void Renders_the_folder_as_one_quoted_argument()
    {
        Assert.That(KubectlKustomize.Arguments(new DirectoryPath("/tmp/render dir/cloud-sql")).Render(), Is.EqualTo("kustomize \"/tmp/render dir/cloud-sql\""));
    }

    [Test]
    [Category("Kubectl")]
    public void A_failed_build_reports_kustomizes_error()
    {
        KubectlAvailability.Require();
        using var folder = new TempDirectory();
        File.WriteAllText(folder.Combine("kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - missing.yaml\n");

        var failure = Assert.Throws<InvalidOperationException>(() => Renderer.Kustomize.Build(new DirectoryPath(folder.Path)));
        Assert.That(failure!.Message, Does.Contain("kubectl kustomize").And.Contain("failed with exit code").And.Contain("missing.yaml"));
    }
}
