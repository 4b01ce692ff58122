using System.Reflection;
using Cake.Core.Diagnostics;
using MlflowGke.Build.Google;
using MlflowGke.Build.Kubernetes;

namespace MlflowGke.Build.Preflight;

/// <summary>
/// Runs before the first task the checks that a later task would otherwise make only after earlier tasks changed
/// something: a Deploy against the wrong cluster or without Google credentials stops before BuildImage pushes.
/// Both checks only read (the kubeconfig; a token), so they also run in plan mode.
/// </summary>
public static class DeployPreflight
{
    public static async Task RunAsync(BuildContext context, IEnumerable<Type> tasksToRun, CancellationToken cancellationToken)
    {
        var checks = tasksToRun
            .SelectMany(type => type.GetCustomAttributes<PreflightAttribute>())
            .Where(attribute => attribute.OnlyOn.Contains(context.Settings.Database))
            .Select(attribute => attribute.Check)
            .ToHashSet();
        if (checks.Contains(PreflightCheck.KubeContext))
        {
            await KubernetesSteps.ConnectAsync(context);
            context.Log.Verbose("Preflight: kube context {0} is the configured cluster.", context.Settings.KubeContext);
        }

        if (checks.Contains(PreflightCheck.GoogleCredentials))
        {
            await GoogleAccessToken.FromEnvironment(context.Environment).GetAsync(cancellationToken);
            context.Log.Verbose("Preflight: Google credentials give an access token.");
        }
    }
}
