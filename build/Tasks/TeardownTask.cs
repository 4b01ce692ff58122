using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("Teardown")]
[TaskDescription("Removes what Apply created in the namespace; keeps the PostgreSQL volume and the database Secrets unless --delete-data, and never touches Cloud SQL, the bucket or IAM.")]
[RequiresSettings(SettingNames.KubeContext)]
[Preflight(PreflightCheck.KubeContext)]
[HoldsDeployLock]
public sealed class TeardownTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var kubernetes = context.Kubernetes;
        await kubernetes.Deployer.RemoveAsync([], "teardown", context.Settings.DeleteData, context.Cancellation);
        if (context.Settings.DeleteData)
        {
            await kubernetes.Credentials.DeleteAsync(context.Cancellation);
        }
        else
        {
            context.Log.Information("Keeping Secrets {0} and {1}: the data they unlock is kept. Set {2}=true (--delete-data) to delete them with it.", DatabaseCredentials.LoginSecretName, DatabaseCredentials.BackendStoreSecretName, SettingNames.DeleteData);
        }

        context.Log.Information("Kept: namespace {0}, the Cloud SQL database, the bucket and the IAM bindings (remove those with gcloud if you mean to).", context.Settings.Namespace);
    }
}
