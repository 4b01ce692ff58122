using System.Text.Json.Nodes;

namespace MlflowGke.Build.Google;

public sealed record ServiceAccount(string Email, string? DisplayName);

/// <summary>IAM API: service accounts and their IAM policies.</summary>
public interface IIamApi
{
    /// <summary>The service account, or null when it does not exist (404).</summary>
    Task<ServiceAccount?> GetServiceAccountAsync(string project, string email, CancellationToken cancellationToken);

    /// <summary>Creates the service account; throws with <see cref="GoogleApiException.IsAlreadyExists"/> when it exists.</summary>
    Task<ServiceAccount> CreateServiceAccountAsync(string project, string accountId, string displayName, string description, CancellationToken cancellationToken);

    Task<IamPolicy> GetIamPolicyAsync(string project, string email, CancellationToken cancellationToken);

    Task SetIamPolicyAsync(string project, string email, IamPolicy policy, CancellationToken cancellationToken);
}

public sealed class IamApi(GoogleRestClient client, Uri baseUri) : IIamApi
{
    public async Task<ServiceAccount?> GetServiceAccountAsync(string project, string email, CancellationToken cancellationToken)
    {
        var call = new GoogleCall($"read service account {email}", project, "iam.serviceAccounts.get", "roles/iam.serviceAccountViewer");
        try
        {
            return ToServiceAccount(await client.SendAsync(HttpMethod.Get, Account(project, email, string.Empty), null, call, cancellationToken));
        }
        catch (GoogleApiException exception) when (exception.IsNotFound)
        {
            return null;
        }
    }

    public async Task<ServiceAccount> CreateServiceAccountAsync(string project, string accountId, string displayName, string description, CancellationToken cancellationToken)
    {
        var call = new GoogleCall($"create service account {accountId} in project {project}", project, "iam.serviceAccounts.create", "roles/iam.serviceAccountAdmin");
        var body = new JsonObject
        {
            ["accountId"] = accountId,
            ["serviceAccount"] = new JsonObject { ["displayName"] = displayName, ["description"] = description },
        };
        var uri = new Uri(baseUri, $"v1/projects/{Uri.EscapeDataString(project)}/serviceAccounts");
        return ToServiceAccount(await client.SendAsync(HttpMethod.Post, uri, body, call, cancellationToken));
    }

    public async Task<IamPolicy> GetIamPolicyAsync(string project, string email, CancellationToken cancellationToken)
    {
        var call = new GoogleCall($"read the IAM policy of service account {email}", project, "iam.serviceAccounts.getIamPolicy", "roles/iam.serviceAccountAdmin");
        var uri = Account(project, email, $":getIamPolicy?options.requestedPolicyVersion={IamPolicy.Version}");
        return new IamPolicy(await client.SendAsync(HttpMethod.Post, uri, null, call, cancellationToken));
    }

    public async Task SetIamPolicyAsync(string project, string email, IamPolicy policy, CancellationToken cancellationToken)
    {
        var call = new GoogleCall($"update the IAM policy of service account {email}", project, "iam.serviceAccounts.setIamPolicy", "roles/iam.serviceAccountAdmin");
        var body = new JsonObject { ["policy"] = policy.ToJson(), ["updateMask"] = "bindings,etag" };
        await client.SendAsync(HttpMethod.Post, Account(project, email, ":setIamPolicy"), body, call, cancellationToken);
    }

    private static ServiceAccount ToServiceAccount(JsonObject json) =>
        new((string?)json["email"] ?? throw new InvalidOperationException($"IAM answered a service account without an email: {json.ToJsonString()}"), (string?)json["displayName"]);

    // The real project ID, not '-': with '-' a missing account answers 403 instead of 404.
    private Uri Account(string project, string email, string suffix) =>
        new(baseUri, $"v1/projects/{Uri.EscapeDataString(project)}/serviceAccounts/{Uri.EscapeDataString(email)}{suffix}");
}
