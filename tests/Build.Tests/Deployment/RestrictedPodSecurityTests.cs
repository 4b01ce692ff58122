using k8s.Models;

namespace MlflowGke.Build.Tests.Deployment;

public sealed class RestrictedPodSecurityTests
{
    [Test]
    public void A_locked_down_pod_has_no_violation()
    {
        // Given
        var pod = LockedDownPod();

        // When
        var violations = RestrictedPodSecurity.Violations("pod", pod);

        // Then
        Assert.That(violations, Is.Empty);
    }

    [TestCase("hostPath", "volume data uses hostPath")]
    [TestCase("runAsRoot", "runAsNonRoot must be true")]
    [TestCase("escalation", "allowPrivilegeEscalation must be false")]
    [TestCase("capabilities", "capabilities.drop must include ALL")]
    [TestCase("seccomp", "seccompProfile.type must be RuntimeDefault or Localhost")]
    [TestCase("hostNetwork", "host namespaces")]
    public void A_pod_that_breaks_one_rule_is_reported_for_it(string breach, string expected)
    {
        // Given
        var pod = LockedDownPod();
        var container = pod.Containers[0].SecurityContext;
        Action breakRule = breach switch
        {
            "hostPath" => () => pod.Volumes = [new V1Volume { Name = "data", HostPath = new V1HostPathVolumeSource { Path = "/var/lib" } }],
            "runAsRoot" => () => pod.SecurityContext.RunAsNonRoot = null,
            "escalation" => () => container.AllowPrivilegeEscalation = null,
            "capabilities" => () => container.Capabilities = new V1Capabilities { Drop = ["NET_RAW"] },
            "seccomp" => () => pod.SecurityContext.SeccompProfile = new V1SeccompProfile { Type = "Unconfined" },
            _ => () => pod.HostNetwork = true,
        };
        breakRule();

        // When
        var violations = RestrictedPodSecurity.Violations("pod", pod);

        // Then
        Assert.That(violations, Has.Exactly(1).Contains(expected));
    }

    private static V1PodSpec LockedDownPod() => new()
    {
        SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, RunAsUser = 10001, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
        Containers =
        [
            new V1Container
            {
                Name = "app",
                Image = "example@sha256:0123",
                SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
            },
        ],
        Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() }],
    };
}
