using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace MlflowGke.Build.Tests.Deployment;

/// <summary>An object of a kind a CustomResourceDefinition adds, for strict loading (see <see cref="KubernetesSchema"/>).</summary>
public abstract class CustomObject<TSpec> : IKubernetesObject<V1ObjectMeta>
    where TSpec : new()
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = string.Empty;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = string.Empty;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();
}
