using k8s;
using k8s.Models;

namespace MlflowGke.Build.Tests.Deployment;

/// <summary>
/// Reads rendered manifests into the Kubernetes client's API models strictly: a field the API does not have
/// (a misspelling, a wrong nesting level) fails instead of being dropped, and a kind without a model fails too. The
/// custom kinds the manifests use have models here (<see cref="PodMonitoring"/>, and GKE Ingress's in GkeLoadBalancing.cs).
/// </summary>
public static class KubernetesSchema
{
    private static readonly Dictionary<string, Type> CustomKinds = new()
    {
        [PodMonitoring.TypeKey] = typeof(PodMonitoring),
        [ManagedCertificate.TypeKey] = typeof(ManagedCertificate),
        [BackendConfig.TypeKey] = typeof(BackendConfig),
        [FrontendConfig.TypeKey] = typeof(FrontendConfig),
    };

    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Load(string manifest)
    {
        var objects = KubernetesYaml.LoadAllFromString(manifest, CustomKinds, strict: true);
        return objects.Select(item => item as IKubernetesObject<V1ObjectMeta>
            ?? throw new InvalidDataException($"{item.GetType().Name} is not a Kubernetes object with metadata")).ToList();
    }
}
