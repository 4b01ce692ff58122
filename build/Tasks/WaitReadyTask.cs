using Cake.Frosting;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("WaitReady")]
[TaskDescription("Waits for mlflow and its database (PostgreSQL or the Cloud SQL proxy) to roll out; fails fast with the reason.")]
[IsDependentOn(typeof(ApplyTask))]
[RequiresSettings(SettingNames.KubeContext)]
[Preflight(PreflightCheck.KubeContext)]
public sealed class WaitReadyTask : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) =>
        context.UnlessPlan($"wait up to {context.Settings.WaitTimeout} for {string.Join(", ", context.Topology.Workloads.Select(workload => workload.Resource))}");

    public override Task RunAsync(BuildContext context) => context.Kubernetes.Waiter.WaitAsync(context.Topology.Workloads, context.Settings.WaitTimeout);
}
