using Cake.Core.Diagnostics;
using MlflowGke.Build.Changes;

namespace MlflowGke.Build.Google;

/// <summary>
/// Lets Kubernetes service accounts act as Google service accounts, for each pair of the topology: the Google account
/// exists (created when the suite owns it), holds its project roles, and grants roles/iam.workloadIdentityUser to
/// the Kubernetes account.
/// </summary>
public sealed class WorkloadIdentityBinder(IIamApi iam, IResourceManagerApi resourceManager, IamBindings bindings, ChangeGate changes, ICakeLog log)
{
    public const string WorkloadIdentityUser = "roles/iam.workloadIdentityUser";

    public async Task BindAsync(IReadOnlyList<ServiceAccountPair> pairs, string kubernetesNamespace, CancellationToken cancellationToken)
    {
        foreach (var pair in pairs)
        {
            var account = pair.Google;
            var freshness = await EnsureAccountAsync(account, cancellationToken);
            foreach (var role in pair.ProjectRoles)
            {
                await bindings.EnsureMemberAsync(PolicyTarget.Project(resourceManager, account.ProjectId, freshness), role, $"serviceAccount:{account.Email}", cancellationToken);
            }

            await bindings.EnsureMemberAsync(
                PolicyTarget.ServiceAccount(iam, account.ProjectId, account.Email, freshness),
                WorkloadIdentityUser,
                $"serviceAccount:{account.ProjectId}.svc.id.goog[{kubernetesNamespace}/{pair.KubernetesServiceAccount}]",
                cancellationToken);
        }
    }

    private async Task<AccountFreshness> EnsureAccountAsync(GoogleServiceAccount account, CancellationToken cancellationToken)
    {
        if (await iam.GetServiceAccountAsync(account.ProjectId, account.Email, cancellationToken) != null)
        {
            log.Information("Service account {0} exists", account.Email);
            return AccountFreshness.Existing;
        }

        if (account.Creation is not { } creation)
        {
            throw new GoogleSetupException(
                $"The Google service account {account.Email} does not exist. Create it (gcloud iam service-accounts create ID --project={account.ProjectId}) or fix {account.Setting}.");
        }

        var freshness = AccountFreshness.WouldBeCreated;
        await changes.MakeAsync($"create service account {account.Email}", async () =>
        {
            try
            {
                await iam.CreateServiceAccountAsync(account.ProjectId, creation.AccountId, creation.DisplayName, creation.Description, cancellationToken);
            }
            catch (GoogleApiException exception) when (exception.IsAlreadyExists)
            {
                log.Information("Service account {0} was created concurrently", account.Email);
            }

            freshness = AccountFreshness.JustCreated;
        });
        return freshness;
    }
}
