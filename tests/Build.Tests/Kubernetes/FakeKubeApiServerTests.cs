namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>The double against the real kubectl: what the suite's steps rely on works as on a real cluster.</summary>
[Category("Kubectl")]
public sealed class FakeKubeApiServerTests
{
    [Test]
    public async Task Kubectl_applies_a_rendered_overlay_and_rollout_status_completes()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        var manifest = await cluster.RenderOverlayAsync("gcp");

        var apply = await cluster.KubectlAsync("--context", KubeTestEnvironment.Context, "apply", "--server-side", "--field-manager=test", "-f", manifest);
        Assert.That(apply.ExitCode, Is.Zero, apply.Error);

        var rollout = await cluster.KubectlAsync("--context", KubeTestEnvironment.Context, "-n", "mlflow", "rollout", "status", "statefulset/postgres", "--timeout=30s");
        Assert.That(rollout.ExitCode, Is.Zero, rollout.Error + rollout.Output);
        var deployment = await cluster.KubectlAsync("--context", KubeTestEnvironment.Context, "-n", "mlflow", "rollout", "status", "deployment/mlflow", "--timeout=30s");
        Assert.That(deployment.ExitCode, Is.Zero, deployment.Error + deployment.Output);

        var diff = await cluster.KubectlAsync("--context", KubeTestEnvironment.Context, "diff", "--server-side", "--field-manager=test", "-f", manifest);
        Assert.That(diff.ExitCode, Is.Zero, diff.Output + diff.Error);
        Assert.That(cluster.Server.Get("PersistentVolumeClaim", "mlflow", "data-postgres-0"), Is.Not.Null);
    }
}
