using MlflowGke.Build.Tests.Support;
using DirectoryPath = Cake.Core.IO.DirectoryPath;

namespace MlflowGke.Build.Tests.Rendering;

[Category("Kubectl")]
public sealed class ManifestRendererKustomizationTests
{
    [TestCaseSource(typeof(RenderCase), nameof(RenderCase.All))]
    public async Task The_manifest_is_what_kustomize_renders_from_the_kustomization_written_beside_it(RenderCase renderCase)
    {
        // Given
        KubectlAvailability.Require();
        using var output = new TempDirectory();
        var manifest = await Renderer.RenderAsync(renderCase, output.Path);

        // When
        var again = Renderer.Kustomize.Build(new DirectoryPath(Path.GetDirectoryName(Directory.GetFiles(output.Path, "manifest.yaml", SearchOption.AllDirectories).Single())!));

        // Then
        Assert.That(manifest, Is.EqualTo(again.Manifest));
    }
}
