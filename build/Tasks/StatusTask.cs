using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Status;

namespace MlflowGke.Build.Tasks;

[TaskName("Status")]
[TaskDescription("Read-only drift report: each object the suite owns against what Apply would send (image digest, config, replicas), Workload Identity bindings, database and user, last backup, lock holder, schema; exit 0 in sync, 4 drifted. Never takes the deploy lock.")]
[RequiresSettings(SettingNames.KubeContext, SettingNames.ImageRepository, SettingNames.BucketNameMlflow, SettingNames.MlflowServiceAccountId, SettingNames.ProjectId)]
[RequiresSettings(SettingNames.CloudSqlInstanceName, SettingNames.ResourceSuffix, OnlyOn = [DatabasePath.CloudSql])]
[Preflight(PreflightCheck.KubeContext)]
[Preflight(PreflightCheck.GoogleCredentials)]
[Preflight(PreflightCheck.ThirdPartyImages)]
public sealed class StatusTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var (topology, kubernetes) = (context.Topology, context.Kubernetes);
        var rendered = await context.Renderer.RenderAsync(context.DeployedImage = await context.ImageResolver.ResolvePushedAsync(context.Cancellation), thirdPartyImages: context.PinnedImages);
        var recorded = await kubernetes.Migrations.LastRecordedAsync(context.Cancellation);
        List<StatusRow> rows =
        [
            .. await kubernetes.Drift.CompareAsync(rendered.Manifest, topology.ServiceAccounts, context.Cancellation),
            .. await context.Google.Drift.CompareAsync(topology.ServiceAccounts, topology.Namespace, topology.CloudSql, context.Cancellation),
            StatusRow.Fact("database schema (MLflow)", recorded == null ? "no completed migration Job" : $"{SchemaState.Describe(recorded.After)} after {recorded.Job}"),
            StatusRow.Fact("last backup", await context.DatabaseBackup.LastAsync(context.Cancellation) ?? "none"),
            StatusRow.Fact("deploy lock", await kubernetes.Lock.DescribeHolderAsync(context.Cancellation)),
        ];
        var report = context.StatusReport = new StatusReport(rows);
        foreach (var line in report.TableLines())
        {
            context.Log.Information(line);
        }

        if (!report.InSync)
        {
            throw new DriftedException(report.Verdict);
        }

        context.Log.Information(report.Verdict);
    }
}
