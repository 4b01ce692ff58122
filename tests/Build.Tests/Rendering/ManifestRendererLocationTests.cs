using Cake.Core.Diagnostics;
using MlflowGke.Build.Rendering;
using MlflowGke.Build.Tests.Support;
using DirectoryPath = Cake.Core.IO.DirectoryPath;

namespace MlflowGke.Build.Tests.Rendering;

public sealed class ManifestRendererLocationTests
{
    [Test]
    public void Outside_the_repository_root_it_says_where_to_run_and_writes_nothing()
    {
        using var elsewhere = new TempDirectory();
        var renderer = new ManifestRenderer(RenderCase.InCluster.Settings(), new Topology(RenderCase.InCluster.Settings()), Renderer.Kustomize, new NullLog(), new DirectoryPath(elsewhere.Path));

        var failure = Assert.ThrowsAsync<InvalidOperationException>(() => renderer.RenderAsync(RenderCase.InCluster.Image));
        Assert.That(failure!.Message, Does.Contain("deployment/mlflow/env/gcp").And.Contain("run the build from the repository root"));
        Assert.That(Directory.EnumerateFileSystemEntries(elsewhere.Path), Is.Empty);
    }

    [Test]
    [Category("Kubectl")]
    public async Task A_relative_output_root_is_under_the_repository_root_and_the_overlay_points_back_relatively()
    {
        KubectlAvailability.Require();
        using var output = new TempDirectory();
        var relative = Path.GetRelativePath(RepositoryLayout.Root, output.Path);
        var renderer = new ManifestRenderer(RenderCase.CloudSqlPostgres.Settings(), new Topology(RenderCase.CloudSqlPostgres.Settings()), Renderer.Kustomize, new NullLog(), new DirectoryPath(RepositoryLayout.Root))
        {
            OutputRoot = new DirectoryPath(relative),
        };

        var rendered = await renderer.RenderAsync(RenderCase.CloudSqlPostgres.Image);

        Assert.That(rendered.Manifest.FullPath, Is.EqualTo(output.Combine("cloud-sql", "manifest.yaml")));
        Assert.That(await File.ReadAllTextAsync(output.Combine("cloud-sql", "kustomization.yaml")), Does.Contain($"  - \"{Path.GetRelativePath(output.Combine("cloud-sql"), RepositoryLayout.Deployment)}/mlflow/env/gcp-cloudsql\"\n"));
    }
}
