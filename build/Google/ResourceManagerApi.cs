using System.Text.Json.Nodes;

namespace MlflowGke.Build.Google;

/// <summary>Resource Manager API: the project's IAM policy.</summary>
public interface IResourceManagerApi
{
    Task<IamPolicy> GetProjectIamPolicyAsync(string project, CancellationToken cancellationToken);

    Task SetProjectIamPolicyAsync(string project, IamPolicy policy, CancellationToken cancellationToken);
}

public sealed class ResourceManagerApi(GoogleRestClient client, Uri baseUri) : IResourceManagerApi
{
    public async Task<IamPolicy> GetProjectIamPolicyAsync(string project, CancellationToken cancellationToken)
    {
        var call = new GoogleCall($"read the IAM policy of project {project}", project, "resourcemanager.projects.getIamPolicy", "roles/iam.securityReviewer");
        var body = new JsonObject { ["options"] = new JsonObject { ["requestedPolicyVersion"] = IamPolicy.Version } };
        return new IamPolicy(await client.SendAsync(HttpMethod.Post, Project(project, ":getIamPolicy"), body, call, cancellationToken));
    }

    public async Task SetProjectIamPolicyAsync(string project, IamPolicy policy, CancellationToken cancellationToken)
    {
        var call = new GoogleCall($"update the IAM policy of project {project}", project, "resourcemanager.projects.setIamPolicy", "roles/resourcemanager.projectIamAdmin");
        var body = new JsonObject { ["policy"] = policy.ToJson(), ["updateMask"] = "bindings,etag" };
        await client.SendAsync(HttpMethod.Post, Project(project, ":setIamPolicy"), body, call, cancellationToken);
    }

    private Uri Project(string project, string method) => new(baseUri, $"v1/projects/{Uri.EscapeDataString(project)}{method}");
}
