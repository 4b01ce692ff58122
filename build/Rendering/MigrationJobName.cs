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
    public static string For(string renderedManifest, DatabaseTarget target)
    {
        var job = renderedManifest.Split("\n---\n").SingleOrDefault(document => document.Contains("\nkind: Job\n", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The rendered manifest has no Job: deployment/mlflow/base must keep the migration Job {GeneratedKustomization.MigrationJobBaseName}.");
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{job.Trim()}\n{target.Identity}"));
        return $"{GeneratedKustomization.MigrationJobBaseName}-{Convert.ToHexStringLower(hash)[..12]}";
    }
}
