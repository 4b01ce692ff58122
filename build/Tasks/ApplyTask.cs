using Cake.Frosting;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("Apply")]
[TaskDescription("Pins every image by digest, writes the database Secrets (and with AUTH=basic the Secret mlflow-auth, with AUTH=iap mlflow-iap-oauth), applies the rendered manifest but the MLflow server; when a schema migration is due, backs the database up first (unless --skip-backup); waits for the migration Job, then applies the server; deletes nothing (Prune does, after WaitReady).")]
[IsDependentOn(typeof(AnnotateTask))]
[RequiresSettings(SettingNames.KubeContext, SettingNames.ImageRepository, SettingNames.BucketNameMlflow, SettingNames.MlflowServiceAccountId, SettingNames.ProjectId)]
[RequiresSettings(SettingNames.CloudSqlInstanceName, SettingNames.ResourceSuffix, OnlyOn = [DatabasePath.CloudSql])]
[RequiresSettings(SettingNames.DatabasePassword, OnlyOn = [DatabasePath.CloudSql], OnlyWhen = $"{SettingNames.CloudSqlAuth}=password")]
[RequiresSettings(SettingNames.IapClientId, SettingNames.IapClientSecret, OnlyWhen = $"{SettingNames.Auth}=iap")]
[Preflight(PreflightCheck.KubeContext)]
[Preflight(PreflightCheck.DatabaseSwitch)]
[Preflight(PreflightCheck.ThirdPartyImages)]
[HoldsDeployLock]
public sealed class ApplyTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var (settings, topology, kubernetes) = (context.Settings, context.Topology, context.Kubernetes);
        var image = context.DeployedImage = await context.ImageResolver.ResolvePushedAsync(context.Cancellation);
        var namespaceExists = await kubernetes.Annotator.EnsureNamespaceAsync(context.Cancellation);
        var backendStore = await kubernetes.Credentials.EnsureAsync(topology.DatabaseTarget, topology.DatabaseLogin, context.Cancellation);
        if (topology.AuthDatabaseTarget is { } authDatabase)
        {
            await kubernetes.Auth.EnsureAsync(authDatabase.Uri(backendStore.Login ?? topology.DatabaseLogin), context.Cancellation);
        }

        if (topology.Auth == AuthMode.Iap)
        {
            await kubernetes.Iap.EnsureAsync(settings.IapClientId, settings.IapClientSecret, context.Cancellation);
        }

        var rendered = context.Rendered = await context.Renderer.RenderAsync(image, backendStore.Revision, context.PinnedImages);
        context.SchemaMigration = await kubernetes.Deployer.ApplyAsync(rendered, namespaceExists, settings.WaitTimeout, context.Backup, context.Cancellation);
    }
}
