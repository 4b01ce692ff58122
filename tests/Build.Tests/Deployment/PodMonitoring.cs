using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace MlflowGke.Build.Tests.Deployment;

/// <summary>
/// Google Cloud Managed Service for Prometheus's PodMonitoring (monitoring.googleapis.com/v1), the fields the manifests
/// use, so that strict loading (see <see cref="KubernetesSchema"/>) refuses a misspelt one.
/// </summary>
public sealed class PodMonitoring : IKubernetesObject<V1ObjectMeta>
{
    public const string TypeKey = "monitoring.googleapis.com/v1/PodMonitoring";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = string.Empty;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = string.Empty;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public PodMonitoringSpec Spec { get; set; } = new();
}

public sealed class PodMonitoringSpec
{
    [JsonPropertyName("selector")]
    public V1LabelSelector Selector { get; set; } = new();

    [JsonPropertyName("endpoints")]
    public IList<ScrapeEndpoint> Endpoints { get; set; } = [];
}

public sealed class ScrapeEndpoint
{
    [JsonPropertyName("port")]
    public string Port { get; set; } = string.Empty;

    [JsonPropertyName("path")]
    public string Path { get; set; } = string.Empty;

    [JsonPropertyName("interval")]
    public string Interval { get; set; } = string.Empty;
}
