using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("Teardown")]
[TaskDescription("Removes what Apply created in the namespace; keeps the PostgreSQL volume and the database Secret unless --delete-data, and never touches Cloud SQL, the bucket or IAM.")]
[RequiresSettings(SettingNames.KubeContext)]
public sealed class TeardownTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var kubernetes = await KubernetesSteps.ConnectAsync(context);
        await kubernetes.Deployer.RemoveAsync([], "teardown", context.Settings.DeleteData);
        if (context.Settings.DeleteData)
        {
            await new DatabaseCredentials(kubernetes.Kubectl, context.Changes, context.Log).DeleteAsync();
        }
        else
        {
            context.Log.Information("Keeping Secret {0}: the data it unlocks is kept. Set {1}=true (--delete-data) to delete both.", DatabaseCredentials.SecretName, SettingNames.DeleteData);
        }

        context.Log.Information("Kept: namespace {0}, the Cloud SQL database, the bucket and the IAM bindings (remove those with gcloud if you mean to).", context.Settings.Namespace);
    }
}
