using System.Text.Json.Nodes;
using MlflowGke.Build.Tests.Deployment;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>The image's defaults a pod falls back on: ENTRYPOINT when a container has no command, CMD when it has neither.</summary>
public sealed record ImageDefaults(IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Command)
{
    /// <summary>The production image's ENTRYPOINT and CMD, from deployment/mlflow-image/Dockerfile.</summary>
    public static ImageDefaults Production()
    {
        var final = Dockerfile.Parse(File.ReadAllText(Path.Combine(RepositoryLayout.Deployment, "mlflow-image", "Dockerfile"))).Final;
        return new(
            final.Arguments("ENTRYPOINT").Select(Dockerfile.ExecForm).LastOrDefault() ?? [],
            final.Arguments("CMD").Select(Dockerfile.ExecForm).LastOrDefault() ?? []);
    }
}

/// <summary>
/// Plays the node: runs a pod spec's containers as local processes — init containers in order, each to completion,
/// then the containers — with the real MLflow standing in for the image (<c>mlflow</c> and <c>python</c> are the
/// located installation's) and <see cref="LocalEndpoints"/> in place of the cluster's database and bucket.
/// </summary>
public sealed class LocalKubelet(MlflowInstallation mlflow, LocalEndpoints endpoints, ImageDefaults image)
{
    public static readonly TimeSpan InitContainerTimeout = TimeSpan.FromMinutes(3);

    public MlflowInstallation Mlflow { get; } = mlflow;

    public LocalEndpoints Endpoints { get; } = endpoints;

    public ImageDefaults Image { get; } = image;

    /// <summary>Where persistentVolumeClaim volumes live, a folder per claim that outlives the pods; null: pods with claims are not run.</summary>
    public string? VolumeClaimsFolder { get; init; }

    /// <summary>Runs the init containers to completion, then starts the containers; a failing init container throws with its output.</summary>
    public async Task<LocalPod> StartPodAsync(string podName, JsonObject podTemplate, string ns, AppliedObjects objects, CancellationToken cancellationToken)
    {
        var pod = new LocalPod(podName, podTemplate["spec"]!.AsObject(), ns, objects, this);
        try
        {
            await pod.StartAsync(cancellationToken);
            return pod;
        }
        catch
        {
            await pod.DisposeAsync();
            throw;
        }
    }
}
