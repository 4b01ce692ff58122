using System.Text.Json.Serialization;
using k8s.Models;

namespace MlflowGke.Build.Tests.Deployment;

/// <summary>
/// Google Cloud Managed Service for Prometheus's PodMonitoring (monitoring.googleapis.com/v1), the fields the manifests
/// use, so that strict loading (see <see cref="KubernetesSchema"/>) refuses a misspelt one.
/// </summary>
public sealed class PodMonitoring : CustomObject<PodMonitoringSpec>
{
    public const string TypeKey = "monitoring.googleapis.com/v1/PodMonitoring";
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
