using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Kubernetes;
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
    public override async Task RunAsync(BuildContext context)
    {
        var kubernetes = await KubernetesSteps.ConnectAsync(context);
        var workloads = Workload.For(context.Settings.Database);
        if (context.Settings.IsPlan)
        {
            context.Log.Information("PLAN would wait up to {0} for {1}.", context.Settings.WaitTimeout, string.Join(", ", workloads.Select(workload => workload.Resource)));
            return;
        }

        await kubernetes.Waiter.WaitAsync(workloads, context.Settings.WaitTimeout);
    }
}
