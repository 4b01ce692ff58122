using System.Reflection;
using Cake.Core.Diagnostics;

namespace MlflowGke.Build.Preflight;

/// <summary>
/// Runs before the first task the checks that a later task would otherwise make only after earlier tasks changed
/// something: a Deploy against the wrong cluster or without Google credentials stops before BuildImage pushes. The
/// checks only read (the kubeconfig; a token; the registry), so they also run in plan mode; what they read, such as
/// the registry's digest of the image, is what the tasks' criteria then decide on without waiting for the network.
/// </summary>
public static class DeployPreflight
{
    public static async Task RunAsync(BuildContext context, IEnumerable<Type> tasksToRun, CancellationToken cancellationToken)
    {
        var checks = context.Topology.PreflightChecks(tasksToRun.SelectMany(type => type.GetCustomAttributes<PreflightAttribute>()));
        if (checks.Contains(PreflightCheck.KubeContext))
        {
            context.Kubernetes.Guard.Verify(context.Kubernetes.Target);
            context.Log.Verbose("Preflight: kube context {0} is the configured cluster.", context.Settings.KubeContext);
        }

        if (checks.Contains(PreflightCheck.DatabaseSwitch))
        {
            await context.Kubernetes.DatabaseSwitch.CheckAsync(context.Topology.DatabaseTarget, context.Settings.SwitchDatabase, context.Settings.IsPlan, cancellationToken);
        }

        if (checks.Contains(PreflightCheck.GoogleCredentials))
        {
            await context.Google.Api.Token.GetAsync(cancellationToken);
            context.Log.Verbose("Preflight: Google credentials give an access token.");
        }

        if (checks.Contains(PreflightCheck.ImageRegistry))
        {
            var digest = await context.Images.ReadRegistryAsync(cancellationToken);
            context.Log.Verbose("Preflight: the registry has {0}: {1}.", context.Images.Source.Image.Tagged, digest ?? "not yet");
        }

        if (checks.Contains(PreflightCheck.ThirdPartyImages))
        {
            context.PinnedImages = await context.ImagePinner.PinAsync(await context.Renderer.ThirdPartyImagesAsync(), cancellationToken);
        }
    }
}
