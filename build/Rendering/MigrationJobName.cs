using System.Security.Cryptography;
using System.Text;
using MlflowGke.Build.Kubernetes;

namespace MlflowGke.Build.Rendering;

/// <summary>
/// The migration Job's name: mlflow-migrate-HASH, HASH the first 12 hex digits of a SHA-256 over the rendered Job (with its
/// committed name; it holds the pinned image digest and the script's ConfigMap name, itself a hash of the script) and the
/// database it migrates. A Job's pod template cannot change after creation, so whatever changes the Job gets a new name;
/// an unchanged Deploy finds the completed Job under the same name and changes nothing.
/// </summary>
public static class MigrationJobName
{
    // Where kustomize writes an object's own name: the only key at two spaces' indentation named "name".
    private const string CommittedNameLine = $"\n  name: {GeneratedKustomization.MigrationJobBaseName}\n";

    public static string For(string renderedManifest, DatabaseTarget target)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{JobDocument(renderedManifest).Trim()}\n{target.Identity}"));
        return $"{GeneratedKustomization.MigrationJobBaseName}-{Convert.ToHexStringLower(hash)[..12]}";
    }

    /// <summary>
    /// The manifest rendered with the committed name, with the Job renamed to <paramref name="name"/>: what kustomize
    /// renders once the generated kustomization renames it, without running kustomize a second time.
    /// </summary>
    public static string Renamed(string renderedManifest, string name)
    {
        var job = JobDocument(renderedManifest);
        var at = job.IndexOf(CommittedNameLine, StringComparison.Ordinal);
        if (at < 0 || job.IndexOf(CommittedNameLine, at + 1, StringComparison.Ordinal) >= 0)
        {
            throw new InvalidOperationException($"The rendered migration Job does not name itself {GeneratedKustomization.MigrationJobBaseName} exactly once at metadata.name.");
        }

        return renderedManifest.Replace(job, string.Concat(job.AsSpan(0, at), $"\n  name: {name}\n", job.AsSpan(at + CommittedNameLine.Length)), StringComparison.Ordinal);
    }

    private static string JobDocument(string renderedManifest) =>
        renderedManifest.Split("\n---\n").SingleOrDefault(document => document.Contains("\nkind: Job\n", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The rendered manifest has no Job: deployment/mlflow/base must keep the migration Job {GeneratedKustomization.MigrationJobBaseName}.");
}
