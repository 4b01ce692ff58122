using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("WaitReady")]
[TaskDescription("Waits for the current schema migration Job, then for mlflow and its database (PostgreSQL or the Cloud SQL proxy) to roll out; fails fast with the reason and the logs, and puts a failed MLflow server back on its last ready template.")]
[IsDependentOn(typeof(ApplyTask))]
[RequiresSettings(SettingNames.KubeContext)]
[Preflight(PreflightCheck.KubeContext)]
[HoldsDeployLock]
public sealed class WaitReadyTask : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) =>
        context.UnlessPlan($"wait up to {context.Settings.WaitTimeout} for the migration Job and {string.Join(", ", context.Topology.Workloads.Select(workload => workload.Resource))}");

    public override async Task RunAsync(BuildContext context)
    {
        var kubernetes = context.Kubernetes;
        if (await kubernetes.Migrations.CurrentAsync(context.Cancellation) is { } job)
        {
            context.SchemaMigration ??= await kubernetes.Migrations.WaitAsync(job, context.Settings.WaitTimeout, context.Cancellation);
        }
        else
        {
            context.Log.Information("No migration Job in namespace {0} (run Apply first).", context.Settings.Namespace);
        }

        var (settings, topology) = (context.Settings, context.Topology);
        try
        {
            await kubernetes.Waiter.WaitAsync(topology.Workloads, settings.WaitTimeout, context.Cancellation);
        }
        catch (RolloutFailedException failure) when (failure.Workload == topology.Mlflow)
        {
            throw await kubernetes.Rollback.RollBackAsync(topology.Mlflow, failure, context.SchemaMigration, settings.NoRollback, context.Backup.Taken is { } backup ? $"restore the backup {backup.Id} taken before it: {backup.RestoreCommand}." : topology.DatabaseRestoreHint, settings.WaitTimeout, context.Cancellation);
        }

        await kubernetes.Rollback.RecordReadyAsync(topology.Mlflow, context.SchemaMigration, context.Cancellation);
        context.RolloutsReady = true;
    }
}
