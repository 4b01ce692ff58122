namespace MlflowGke.Build.Google;

/// <summary>Where a service account involved in a binding stands; decides which errors mean "wait" and which mean "stop".</summary>
public enum AccountFreshness
{
    /// <summary>Existed before this run: every error is final.</summary>
    Existing,

    /// <summary>Created in this run: IAM may not see it yet, so its documented not-found answers are retried for a while.</summary>
    JustCreated,

    /// <summary>Plan mode, not created: nothing to read; its policy is empty.</summary>
    WouldBeCreated,
}

/// <summary>A resource with an IAM policy: a service account or the project.</summary>
public sealed record PolicyTarget(
    string Description,
    AccountFreshness Freshness,
    Func<CancellationToken, Task<IamPolicy>> ReadAsync,
    Func<IamPolicy, CancellationToken, Task> WriteAsync)
{
    public static PolicyTarget ServiceAccount(IIamApi iam, string project, string email, AccountFreshness freshness) => new(
        $"service account {email}",
        freshness,
        token => iam.GetIamPolicyAsync(project, email, token),
        (policy, token) => iam.SetIamPolicyAsync(project, email, policy, token));

    /// <param name="freshness">of the service account that becomes a member.</param>
    public static PolicyTarget Project(IResourceManagerApi resourceManager, string project, AccountFreshness freshness) => new(
        $"project {project}",
        freshness,
        token => resourceManager.GetProjectIamPolicyAsync(project, token),
        (policy, token) => resourceManager.SetProjectIamPolicyAsync(project, policy, token));
}
