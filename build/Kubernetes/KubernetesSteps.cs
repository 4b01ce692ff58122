using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>The Kubernetes steps wired to one build: kubectl on the configured context and namespace.</summary>
public sealed class KubernetesSteps
{
    private KubernetesSteps(BuildContext context)
    {
        Target = ClusterTarget.From(context.Settings);
        var tool = new KubectlTool(context.FileSystem, context.Environment, context.ProcessRunner, context.Tools);
        Kubectl = new Kubectl(tool, new KubectlSettings { Context = Target.Context, Namespace = Target.Namespace }, context.Log);
        Annotator = new ServiceAccountAnnotator(Kubectl, context.Changes, context.Log);
        Deployer = new ClusterDeployer(Kubectl, context.Changes, context.Log);
        Waiter = new RolloutWaiter(Kubectl, context.Log, TimeSpan.FromSeconds(1));
    }

    public ClusterTarget Target { get; }

    public IKubectl Kubectl { get; }

    public ServiceAccountAnnotator Annotator { get; }

    public ClusterDeployer Deployer { get; }

    public RolloutWaiter Waiter { get; }

    /// <summary>Steps for the build's cluster, after the context guard confirmed it is the cluster the settings name.</summary>
    public static async Task<KubernetesSteps> ConnectAsync(BuildContext context)
    {
        var steps = new KubernetesSteps(context);
        await new ContextGuard(steps.Kubectl).VerifyAsync(steps.Target);
        return steps;
    }

}
