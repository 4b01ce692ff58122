using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace MlflowGke.Build.Tests.Deployment;

/// <summary>A pod template and where it comes from (a Deployment or StatefulSet), with the claims it may mount.</summary>
public sealed record Workload(string Kind, string Name, V1PodTemplateSpec Template, IReadOnlyList<string> ClaimTemplates)
{
    public IEnumerable<V1Container> AllContainers => (Template.Spec.InitContainers ?? []).Concat(Template.Spec.Containers);

    public IDictionary<string, string> PodLabels => Template.Metadata.Labels;
}

/// <summary>The objects of one rendered manifest, read strictly against the Kubernetes API models.</summary>
public sealed partial class RenderedManifest(string text)
{
    public string Text { get; } = text;

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; } = KubernetesSchema.Load(text);

    public IEnumerable<T> All<T>()
        where T : IKubernetesObject<V1ObjectMeta> => Objects.OfType<T>();

    public T Single<T>(string name)
        where T : IKubernetesObject<V1ObjectMeta> => All<T>().Single(item => item.Metadata.Name == name);

    /// <summary>The ConfigMap kustomize generated from mlflow-config (its name carries a content hash).</summary>
    public V1ConfigMap MlflowConfig => All<V1ConfigMap>().Single(map => map.Metadata.Name.StartsWith("mlflow-config-", StringComparison.Ordinal));

    public IReadOnlyList<Workload> Workloads =>
    [
        .. All<V1Deployment>().Select(deployment => new Workload(deployment.Kind, deployment.Metadata.Name, deployment.Spec.Template, [])),
        .. All<V1StatefulSet>().Select(set => new Workload(set.Kind, set.Metadata.Name, set.Spec.Template, (set.Spec.VolumeClaimTemplates ?? []).Select(claim => claim.Metadata.Name).ToList())),
        .. All<V1Job>().Select(job => new Workload(job.Kind, job.Metadata.Name, job.Spec.Template, [])),
    ];

    /// <summary>The schema migration Job (named mlflow-migrate-HASH by the renderer).</summary>
    public V1Job MigrationJob => All<V1Job>().Single();

    public Workload Workload(string name) => Workloads.Single(workload => workload.Name == name);

    /// <summary>Kind/name of every object; generated names (ConfigMaps, the migration Job) as NAME-HASH.</summary>
    public IEnumerable<string> KindsAndNames => Objects.Select(item => $"{item.Kind}/{GeneratedSuffix().Replace(item.Metadata.Name, "-HASH")}");

    [GeneratedRegex(@"(?<=^mlflow-(config|migrate))-[0-9a-z]+$")]
    private static partial Regex GeneratedSuffix();
}
