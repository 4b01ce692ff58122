using k8s.Models;

namespace MlflowGke.Build.Tests.Deployment;

/// <summary>
/// The "restricted" Pod Security Standard as Pod Security Admission enforces it (kubernetes.io/docs/concepts/security/pod-security-standards,
/// policy version latest): the baseline controls plus the restricted ones, checked on a pod template. Each violation
/// names the pod, the container and the field, the way the admission message does.
/// </summary>
public static class RestrictedPodSecurity
{
    private static readonly HashSet<string> AllowedVolumeSources = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

    private static readonly HashSet<string> SafeSysctls =
    [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    ];

    public static IReadOnlyList<string> Violations(string pod, V1PodSpec spec)
    {
        var violations = new List<string>();
        void Check(bool holds, string violation)
        {
            if (!holds)
            {
                violations.Add($"{pod}: {violation}");
            }
        }

        var podContext = spec.SecurityContext ?? new V1PodSecurityContext();
        Check(spec.HostNetwork != true && spec.HostPID != true && spec.HostIPC != true, "host namespaces (hostNetwork, hostPID, hostIPC) must be false");
        Check(podContext.WindowsOptions?.HostProcess != true, "hostProcess must be false");
        Check(podContext.SeLinuxOptions?.Type is null or "" or "container_t" or "container_init_t" or "container_kvm_t", "seLinuxOptions.type is not allowed");
        Check((podContext.Sysctls ?? []).All(sysctl => SafeSysctls.Contains(sysctl.Name)), "only safe sysctls");
        Check(podContext.RunAsUser != 0, "securityContext.runAsUser must not be 0");
        foreach (var volume in spec.Volumes ?? [])
        {
            var sources = VolumeSources(volume).ToList();
            Check(sources.All(AllowedVolumeSources.Contains), $"volume {volume.Name} uses {string.Join(", ", sources)}; restricted allows {string.Join(", ", AllowedVolumeSources)}");
        }

        var containers = (spec.InitContainers ?? []).Concat(spec.Containers).Select(container => (container.Name, container.SecurityContext, container.Ports))
            .Concat((spec.EphemeralContainers ?? []).Select(container => (container.Name, container.SecurityContext, container.Ports)));
        foreach (var (name, securityContext, ports) in containers)
        {
            var context = securityContext ?? new V1SecurityContext();
            var where = $"container {name}";
            Check(context.Privileged != true, $"{where}: privileged must be false");
            Check(context.AllowPrivilegeEscalation == false, $"{where}: allowPrivilegeEscalation must be false");
            Check(context.Capabilities?.Drop?.Contains("ALL") == true, $"{where}: capabilities.drop must include ALL");
            Check((context.Capabilities?.Add ?? []).All(capability => capability == "NET_BIND_SERVICE"), $"{where}: capabilities.add may only hold NET_BIND_SERVICE");
            Check((context.RunAsNonRoot ?? podContext.RunAsNonRoot) == true, $"{where}: runAsNonRoot must be true (pod or container)");
            Check(context.RunAsUser != 0, $"{where}: runAsUser must not be 0");
            Check((context.SeccompProfile ?? podContext.SeccompProfile)?.Type is "RuntimeDefault" or "Localhost", $"{where}: seccompProfile.type must be RuntimeDefault or Localhost (pod or container)");
            Check(context.ProcMount is null or "Default", $"{where}: procMount must be Default");
            Check(context.SeLinuxOptions?.Type is null or "" or "container_t" or "container_init_t" or "container_kvm_t", $"{where}: seLinuxOptions.type is not allowed");
            Check((ports ?? []).All(port => port.HostPort is null or 0), $"{where}: hostPort must not be set");
        }

        return violations;
    }

    /// <summary>The volume source fields that are set, by their JSON names (hostPath, emptyDir, …).</summary>
    private static IEnumerable<string> VolumeSources(V1Volume volume) =>
        typeof(V1Volume).GetProperties()
            .Where(property => property.Name != nameof(V1Volume.Name) && property.GetValue(volume) != null)
            .Select(property => char.ToLowerInvariant(property.Name[0]) + property.Name[1..]);
}
