using System.Text.RegularExpressions;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using MlflowGke.Build.Image;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Rendering;

/// <summary>
/// Renders the manifest for the chosen database path: writes a generated kustomization next to it that takes the
/// committed overlay as its resource (see <see cref="GeneratedKustomization"/>), and builds it with kubectl kustomize.
/// Writes local files only.
/// </summary>
public sealed partial class ManifestRenderer
{
    private readonly DeploySettings _settings;
    private readonly Topology _topology;
    private readonly IKustomize _kustomize;
    private readonly ICakeLog _log;
    private readonly DirectoryPath _repositoryRoot;

    public ManifestRenderer(DeploySettings settings, Topology topology, IKustomize kustomize, ICakeLog log, DirectoryPath repositoryRoot)
    {
        _settings = settings;
        _topology = topology;
        _kustomize = kustomize;
        _log = log;
        _repositoryRoot = repositoryRoot;
        OutputRoot = repositoryRoot.Combine("artifacts/render");
    }

    /// <summary>Receives one folder per database path (in-cluster, cloud-sql); relative paths are under the repository root.</summary>
    public DirectoryPath OutputRoot { get; init; }

    /// <summary>
    /// Writes OUTPUT_ROOT/PATH/kustomization.yaml and the rendered OUTPUT_ROOT/PATH/manifest.yaml. The output names the
    /// migration Job (see <see cref="MigrationJobName"/>); the kustomization written then renames the Job, and the manifest
    /// is that output with the Job renamed, as kustomize would render it again (one kubectl start instead of two).
    /// <paramref name="backendStoreRevision"/> goes on the server's pod template when known (Apply knows it, Render does not);
    /// <paramref name="thirdPartyImages"/> pin the other images (Apply pins them, Render keeps their tags).
    /// </summary>
    public async Task<RenderedDeployment> RenderAsync(ImageReference image, string? backendStoreRevision = null, IReadOnlyList<PinnedImage>? thirdPartyImages = null)
    {
        var (folder, relativeMlflowFolder) = PrepareFolder();
        var kustomization = folder.CombineWithFilePath("kustomization.yaml").FullPath;
        await File.WriteAllTextAsync(kustomization, GeneratedKustomization.For(_settings, _topology, image, relativeMlflowFolder, backendStoreRevision: backendStoreRevision, thirdPartyImages: thirdPartyImages));
        var output = _kustomize.Build(folder);
        var migrationJob = MigrationJobName.For(output.Manifest, _topology.DatabaseTarget);
        foreach (var warning in output.Warnings)
        {
            _log.Warning("kustomize: {0}", warning);
        }

        await File.WriteAllTextAsync(kustomization, GeneratedKustomization.For(_settings, _topology, image, relativeMlflowFolder, migrationJob, backendStoreRevision, thirdPartyImages));
        var manifest = folder.CombineWithFilePath("manifest.yaml");
        await File.WriteAllTextAsync(manifest.FullPath, MigrationJobName.Renamed(output.Manifest, migrationJob));
        return new RenderedDeployment(manifest, migrationJob);
    }

    /// <summary>The container images this path's manifest runs besides MLflow's, as the manifests name them.</summary>
    public async Task<IReadOnlyList<string>> ThirdPartyImagesAsync()
    {
        // MLflow's image is left at its committed name, so it is told apart without knowing the pushed one.
        var mlflow = new ImageReference(GeneratedKustomization.ImageName, "unresolved");
        var (folder, relativeMlflowFolder) = PrepareFolder();
        await File.WriteAllTextAsync(folder.CombineWithFilePath("kustomization.yaml").FullPath, GeneratedKustomization.For(_settings, _topology, mlflow, relativeMlflowFolder));
        return ContainerImages(_kustomize.Build(folder).Manifest).Where(name => name != mlflow.Tagged).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every container's image in a rendered manifest (kustomize writes one "image: NAME" line per container).</summary>
    public static IEnumerable<string> ContainerImages(string manifest) =>
        ImageLine().Matches(manifest).Select(match => match.Groups[1].Value.Trim('"', '\''));

    private (DirectoryPath Folder, string RelativeMlflowFolder) PrepareFolder()
    {
        var mlflowFolder = _repositoryRoot.Combine("deployment/mlflow");
        var overlay = mlflowFolder.Combine(_topology.Overlay);
        if (!File.Exists(overlay.CombineWithFilePath("kustomization.yaml").FullPath))
        {
            throw new InvalidOperationException($"The overlay {overlay.FullPath} does not exist: run the build from the repository root (the folder holding deployment/).");
        }

        var folder = OutputRoot.MakeAbsolute(_repositoryRoot).Combine(_topology.Database.ToSettingValue());
        Directory.CreateDirectory(folder.FullPath);
        return (folder, System.IO.Path.GetRelativePath(folder.FullPath, mlflowFolder.FullPath).Replace('\\', '/'));
    }

    [GeneratedRegex(@"^\s*(?:- )?image: (\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ImageLine();
}

/// <summary>The rendered manifest file and the name it gives the migration Job.</summary>
public sealed record RenderedDeployment(FilePath Manifest, string MigrationJob);
