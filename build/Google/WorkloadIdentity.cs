using Cake.Core.Diagnostics;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Google;

/// <summary>
/// Lets Kubernetes service accounts act as Google service accounts: MLflow's KSA on MLflow's Google SA and,
/// on the Cloud SQL path, the proxy's KSA on its own Google SA, which it creates and which gets roles/cloudsql.client.
/// </summary>
public sealed class WorkloadIdentity(IIamApi iam, IResourceManagerApi resourceManager, IamBindings bindings, ChangeGate changes, ICakeLog log)
{
    public const string WorkloadIdentityUser = "roles/iam.workloadIdentityUser";
    public const string CloudSqlClient = "roles/cloudsql.client";
    public const string MlflowKubernetesServiceAccount = "mlflow";
    public const string ProxyKubernetesServiceAccount = "mlflow-cloudsql-proxy";

    public async Task BindAsync(DeploySettings settings, CancellationToken cancellationToken)
    {
        var project = settings.ProjectId;
        if (await iam.GetServiceAccountAsync(project, settings.MlflowServiceAccountEmail, cancellationToken) == null)
        {
            throw new GoogleSetupException(
                $"MLflow's Google service account {settings.MlflowServiceAccountEmail} does not exist. Create it (gcloud iam service-accounts create ID --project={project}) or fix {SettingNames.MlflowServiceAccountId}.");
        }

        await BindKubernetesServiceAccountAsync(settings, settings.MlflowServiceAccountEmail, MlflowKubernetesServiceAccount, AccountFreshness.Existing, cancellationToken);
        if (settings.Database != DatabasePath.CloudSql)
        {
            return;
        }

        var proxy = await EnsureProxyServiceAccountAsync(settings, cancellationToken);
        await bindings.EnsureMemberAsync(PolicyTarget.Project(resourceManager, project, proxy), CloudSqlClient, $"serviceAccount:{settings.ProxyServiceAccountEmail}", cancellationToken);
        await BindKubernetesServiceAccountAsync(settings, settings.ProxyServiceAccountEmail, ProxyKubernetesServiceAccount, proxy, cancellationToken);
    }

    private Task BindKubernetesServiceAccountAsync(DeploySettings settings, string email, string kubernetesServiceAccount, AccountFreshness freshness, CancellationToken cancellationToken) =>
        bindings.EnsureMemberAsync(
            PolicyTarget.ServiceAccount(iam, settings.ProjectId, email, freshness),
            WorkloadIdentityUser,
            $"serviceAccount:{settings.ProjectId}.svc.id.goog[{settings.Namespace}/{kubernetesServiceAccount}]",
            cancellationToken);

    private async Task<AccountFreshness> EnsureProxyServiceAccountAsync(DeploySettings settings, CancellationToken cancellationToken)
    {
        if (await iam.GetServiceAccountAsync(settings.ProjectId, settings.ProxyServiceAccountEmail, cancellationToken) != null)
        {
            log.Information("Service account {0} exists", settings.ProxyServiceAccountEmail);
            return AccountFreshness.Existing;
        }

        var freshness = AccountFreshness.WouldBeCreated;
        await changes.MakeAsync($"create service account {settings.ProxyServiceAccountEmail}", async () =>
        {
            try
            {
                await iam.CreateServiceAccountAsync(
                    settings.ProjectId,
                    settings.ProxyServiceAccountId,
                    "MLflow Cloud SQL proxy",
                    "Identity of the Cloud SQL Auth Proxy for MLflow; created by the MLflow deployment suite.",
                    cancellationToken);
            }
            catch (GoogleApiException exception) when (exception.IsAlreadyExists)
            {
                log.Information("Service account {0} was created concurrently", settings.ProxyServiceAccountEmail);
            }

            freshness = AccountFreshness.JustCreated;
        });
        return freshness;
    }
}
