using System.Text.Json.Nodes;

namespace MlflowGke.Build.Google;

/// <summary>Whether a GKE cluster enforces NetworkPolicy, from its cluster resource in the Kubernetes Engine API.</summary>
public sealed record ClusterNetworking(bool Autopilot, string? DatapathProvider, bool NetworkPolicyEnforcement)
{
    public const string DataplaneV2 = "ADVANCED_DATAPATH";

    public bool EnforcesNetworkPolicy => Autopilot || DatapathProvider == DataplaneV2 || NetworkPolicyEnforcement;

    public override string ToString() =>
        Autopilot ? "Autopilot (GKE Dataplane V2)"
        : DatapathProvider == DataplaneV2 ? "GKE Dataplane V2"
        : NetworkPolicyEnforcement ? "network policy enforcement on"
        : $"datapath {DatapathProvider ?? "LEGACY_DATAPATH"} without network policy enforcement";
}

/// <summary>Kubernetes Engine API (v1): the cluster's networking configuration.</summary>
public interface IContainerApi
{
    /// <summary>The cluster's networking, or null when the project has no such cluster in <paramref name="location"/>.</summary>
    Task<ClusterNetworking?> GetNetworkingAsync(string project, string location, string cluster, CancellationToken cancellationToken);
}

public sealed class ContainerApi(GoogleRestClient client, Uri baseUri) : IContainerApi
{
    public async Task<ClusterNetworking?> GetNetworkingAsync(string project, string location, string cluster, CancellationToken cancellationToken)
    {
        var call = new GoogleCall($"read GKE cluster {cluster} in {location}", project, "container.clusters.get", "roles/container.clusterViewer");
        var uri = new Uri(baseUri, $"v1/projects/{Uri.EscapeDataString(project)}/locations/{Uri.EscapeDataString(location)}/clusters/{Uri.EscapeDataString(cluster)}");
        JsonObject json;
        try
        {
            json = await client.SendAsync(HttpMethod.Get, uri, null, call, cancellationToken);
        }
        catch (GoogleApiException exception) when (exception.IsNotFound)
        {
            return null;
        }

        // networkPolicy.enabled is the enforcement (Calico) switch; addonsConfig.networkPolicyConfig only allows turning it on.
        return new ClusterNetworking(
            (bool?)json["autopilot"]?["enabled"] ?? false,
            (string?)json["networkConfig"]?["datapathProvider"],
            (bool?)json["networkPolicy"]?["enabled"] ?? false);
    }
}
