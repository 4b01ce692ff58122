using MlflowGke.Build.Google;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Doctor;

/// <summary>
/// Whether the cluster enforces the NetworkPolicies the manifests rely on, read from the Kubernetes Engine API. A warning,
/// never a failure: Deploy works either way, only the isolation is missing; and it is skipped with the reason when the
/// cluster or credentials are not known.
/// </summary>
public static class NetworkPolicyCheck
{
    public const string Name = "network policy";
    private const string Fix = "create the cluster with --enable-dataplane-v2 (Autopilot has it), or turn enforcement on: gcloud container clusters update CLUSTER --update-addons=NetworkPolicy=ENABLED, then gcloud container clusters update CLUSTER --enable-network-policy";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static async Task<DoctorCheck> RunAsync(DeploySettings settings, bool haveCredentials, Func<IContainerApi> container, CancellationToken cancellationToken)
    {
        if (settings.Get(SettingNames.ProjectId) is not string project || settings.Get(SettingNames.Region) is not string region || settings.Get(SettingNames.ClusterName) is not string cluster)
        {
            return NotChecked("set PROJECT_ID, REGION and CLUSTER_NAME to read the cluster");
        }

        var location = LocationInContext(settings.KubeContext, project, cluster) ?? region;

        if (!haveCredentials)
        {
            return NotChecked("no Google credentials");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var networking = await container().GetNetworkingAsync(project, location, cluster, timeout.Token);
            return networking switch
            {
                null => NotChecked($"no cluster {cluster} in {location} of project {project} (for a zonal cluster, KUBE_CONTEXT gke_{project}_ZONE_{cluster} names its zone)"),
                { EnforcesNetworkPolicy: true } => new DoctorCheck(Name, true, $"enforced on {cluster}: {networking}", Fix),
                _ => new DoctorCheck(Name, false, $"NOT enforced on {cluster} ({networking}): the NetworkPolicies are stored but ignored, so every pod can reach MLflow and its database", Fix, Required: false),
            };
        }
        catch (Exception exception) when (exception is GoogleApiException or GoogleSetupException or EndpointOverrideException or HttpRequestException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return NotChecked(exception.Message.Split('\n')[0]);
        }
    }

    /// <summary>The zone or region of a context gcloud named for this project's cluster (gke_PROJECT_LOCATION_CLUSTER).</summary>
    private static string? LocationInContext(string? kubeContext, string project, string cluster) =>
        kubeContext?.Split('_') is ["gke", var contextProject, var location, var contextCluster] && contextProject == project && contextCluster == cluster ? location : null;

    private static DoctorCheck NotChecked(string reason) => new(Name, false, $"not checked: {reason}", Fix, Required: false);
}
