using System.Globalization;
using k8s.Models;

namespace MlflowGke.Build.Tests.Deployment;

/// <summary>
/// What the rendered NetworkPolicies allow a pod, by the API's rules: a pod selected by no policy of a type is not
/// isolated for it (everything allowed); a selected pod is allowed the union of the rules of the policies that select it.
/// A connection is described as "PEER PROTOCOL/PORT", PEER one of: pods:NAME (a workload of the manifest, in the
/// namespace), pods:* (any pod of the namespace), namespace:KEY=VALUE[ pods:KEY=VALUE], cidr:CIDR or any.
/// </summary>
public sealed class NetworkPolicies(RenderedManifest manifest)
{
    private readonly IReadOnlyList<V1NetworkPolicy> _policies = manifest.All<V1NetworkPolicy>().ToList();

    public IReadOnlyList<V1NetworkPolicy> Selecting(IDictionary<string, string> podLabels, string policyType) =>
        _policies.Where(policy => policy.Spec.PolicyTypes.Contains(policyType) && Matches(policy.Spec.PodSelector, podLabels)).ToList();

    /// <summary>Where <paramref name="workload"/>'s pods may open connections; null when no Egress policy isolates them.</summary>
    public IReadOnlySet<string>? Egress(Workload workload)
    {
        var policies = Selecting(workload.PodLabels, "Egress");
        return policies.Count == 0 ? null : policies.SelectMany(policy => policy.Spec.Egress ?? []).SelectMany(rule => Connections(rule.To, rule.Ports)).ToHashSet();
    }

    /// <summary>Who may open connections to <paramref name="workload"/>'s pods; null when no Ingress policy isolates them.</summary>
    public IReadOnlySet<string>? Ingress(Workload workload)
    {
        var policies = Selecting(workload.PodLabels, "Ingress");
        return policies.Count == 0 ? null : policies.SelectMany(policy => policy.Spec.Ingress ?? []).SelectMany(rule => Connections(rule.FromProperty, rule.Ports)).ToHashSet();
    }

    public static bool Matches(V1LabelSelector selector, IDictionary<string, string> labels) =>
        (selector.MatchLabels ?? new Dictionary<string, string>()).All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value)
        && (selector.MatchExpressions ?? []).All(expression => expression.OperatorProperty switch
        {
            "In" => labels.TryGetValue(expression.Key, out var value) && expression.Values.Contains(value),
            "NotIn" => !labels.TryGetValue(expression.Key, out var value) || !expression.Values.Contains(value),
            "Exists" => labels.ContainsKey(expression.Key),
            "DoesNotExist" => !labels.ContainsKey(expression.Key),
            _ => throw new InvalidDataException($"unknown operator {expression.OperatorProperty}"),
        });

    private IEnumerable<string> Connections(IList<V1NetworkPolicyPeer>? peers, IList<V1NetworkPolicyPort>? ports)
    {
        var portTexts = ports is { Count: > 0 } ? ports.Select(port => $"{port.Protocol ?? "TCP"}/{port.Port?.Value ?? "*"}").ToList() : ["*/*"];
        var peerTexts = peers is { Count: > 0 } ? peers.SelectMany(Peer).ToList() : ["any"];
        return peerTexts.SelectMany(peer => portTexts.Select(port => $"{peer} {port}"));
    }

    private IEnumerable<string> Peer(V1NetworkPolicyPeer peer)
    {
        if (peer.IpBlock != null)
        {
            return [$"cidr:{peer.IpBlock.Cidr}"];
        }

        if (peer.NamespaceSelector != null)
        {
            var pods = peer.PodSelector == null ? string.Empty : $" pods:{Describe(peer.PodSelector)}";
            return [$"namespace:{Describe(peer.NamespaceSelector)}{pods}"];
        }

        if (peer.PodSelector.MatchLabels is not { Count: > 0 } && peer.PodSelector.MatchExpressions is not { Count: > 0 })
        {
            return ["pods:*"];
        }

        return manifest.Workloads.Where(workload => Matches(peer.PodSelector, workload.PodLabels)).Select(workload => $"pods:{workload.Name}");
    }

    private static string Describe(V1LabelSelector selector) =>
        string.Join(',', (selector.MatchLabels ?? new Dictionary<string, string>()).Select(pair => $"{pair.Key}={pair.Value}")
            .Concat((selector.MatchExpressions ?? []).Select(expression => $"{expression.Key} {expression.OperatorProperty} ({string.Join(',', expression.Values ?? [])})")))
            .ToString(CultureInfo.InvariantCulture);
}
