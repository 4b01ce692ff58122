using MlflowGke.Build.Status;

namespace MlflowGke.Build.Google;

/// <summary>
/// Status's read of Google Cloud: the Workload Identity binding of each service-account pair and its project roles, and on
/// Cloud SQL MLflow's database and user. Reads only (getIamPolicy is a POST that changes nothing).
/// </summary>
public sealed class GoogleDrift(IIamApi iam, IResourceManagerApi resourceManager, ISqlAdminApi sql)
{
    public async Task<IReadOnlyList<StatusRow>> CompareAsync(IReadOnlyList<ServiceAccountPair> pairs, string kubernetesNamespace, CloudSqlTarget? cloudSql, CancellationToken cancellationToken)
    {
        var rows = new List<StatusRow>();
        var projectPolicies = new Dictionary<string, IamPolicy>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var account = pair.Google;
            var member = $"serviceAccount:{account.ProjectId}.svc.id.goog[{kubernetesNamespace}/{pair.KubernetesServiceAccount}]";
            var policy = await AccountPolicyOrNullAsync(account, cancellationToken);
            rows.Add(StatusRow.Present($"{account.Email} {WorkloadIdentityBinder.WorkloadIdentityUser}", member, policy?.HasMember(WorkloadIdentityBinder.WorkloadIdentityUser, member) == true));
            foreach (var role in pair.ProjectRoles)
            {
                if (!projectPolicies.TryGetValue(account.ProjectId, out var project))
                {
                    project = projectPolicies[account.ProjectId] = await resourceManager.GetProjectIamPolicyAsync(account.ProjectId, cancellationToken);
                }

                rows.Add(StatusRow.Present($"project {account.ProjectId} {role}", $"serviceAccount:{account.Email}", project.HasMember(role, $"serviceAccount:{account.Email}")));
            }
        }

        if (cloudSql is { } target)
        {
            var instance = target.Instance;
            rows.Add(StatusRow.Present($"Cloud SQL {instance.ConnectionName} database", target.Database, await sql.DatabaseExistsAsync(instance, target.Database, cancellationToken)));
            var host = target.Engine == Settings.CloudSqlEngine.MySql ? "%" : null;
            rows.Add(StatusRow.Present($"Cloud SQL {instance.ConnectionName} user", target.User.Login, await sql.UserExistsAsync(instance, target.User.Login, host, cancellationToken)));
        }

        return rows;
    }

    private async Task<IamPolicy?> AccountPolicyOrNullAsync(GoogleServiceAccount account, CancellationToken cancellationToken)
    {
        try
        {
            return await iam.GetIamPolicyAsync(account.ProjectId, account.Email, cancellationToken);
        }
        catch (GoogleApiException exception) when (exception.IsNotFound)
        {
            return null;
        }
    }
}
