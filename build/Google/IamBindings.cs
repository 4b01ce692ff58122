using System.Net;
using Cake.Core.Diagnostics;
using MlflowGke.Build.Changes;

namespace MlflowGke.Build.Google;

/// <summary>
/// Adds one member to one role of a policy with the documented read-modify-write: read at version 3,
/// add the member, write back with the etag; a stale etag (409 ABORTED) restarts the whole cycle.
/// Nothing is removed, conditions and other members are kept, and nothing is written when the member is there.
/// </summary>
public sealed class IamBindings(GoogleRetry retry, ChangeGate changes, ICakeLog log)
{
    public async Task EnsureMemberAsync(PolicyTarget target, string role, string member, CancellationToken cancellationToken)
    {
        var policy = target.Freshness == AccountFreshness.WouldBeCreated ? IamPolicy.Empty : await ReadAsync(target, cancellationToken);
        if (policy.HasMember(role, member))
        {
            log.Information("{0} already grants {1} to {2}", target.Description, role, member);
            return;
        }

        IamPolicy? firstRead = policy;
        await changes.MakeAsync($"grant {role} to {member} on {target.Description}", async () =>
        {
            await retry.RetryAsync(
                window: null,
                retry.Options.EtagConflictRetries,
                exception => exception.IsEtagConflict,
                async token =>
                {
                    // The first cycle reuses the policy read above; a restart after a conflict reads afresh.
                    var current = firstRead ?? await ReadAsync(target, token);
                    firstRead = null;
                    if (current.AddMember(role, member))
                    {
                        await WriteAsync(target, current, token);
                    }

                    return true;
                },
                cancellationToken);
            await retry.PollAsync(
                retry.Options.PropagationWindow,
                $"{role} for {member} to show in the policy of {target.Description}",
                token => ReadAsync(target, token),
                current => current.HasMember(role, member),
                cancellationToken);
        });
    }

    private Task<IamPolicy> ReadAsync(PolicyTarget target, CancellationToken cancellationToken) =>
        WithinPropagationAsync(target, exception => exception.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden, token => target.ReadAsync(token), cancellationToken);

    private Task WriteAsync(PolicyTarget target, IamPolicy policy, CancellationToken cancellationToken) =>
        WithinPropagationAsync(target, IsMissingAccount, async token =>
        {
            await target.WriteAsync(policy, token);
            return true;
        }, cancellationToken);

    // Right after creation, a write may answer 404 for the account itself or 400 for it as a member.
    private static bool IsMissingAccount(GoogleApiException exception) =>
        exception.StatusCode == HttpStatusCode.NotFound || exception.StatusCode == HttpStatusCode.BadRequest && exception.ApiMessage.Contains("Service account", StringComparison.Ordinal) && exception.ApiMessage.Contains("does not exist", StringComparison.Ordinal);

    private async Task<T> WithinPropagationAsync<T>(PolicyTarget target, Func<GoogleApiException, bool> isPropagationError, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return target.Freshness == AccountFreshness.JustCreated
                ? await retry.RetryAsync(retry.Options.PropagationWindow, int.MaxValue, isPropagationError, action, cancellationToken)
                : await action(cancellationToken);
        }
        catch (GoogleApiException exception) when (exception.ApiMessage.Contains("Identity Pool does not exist", StringComparison.Ordinal))
        {
            throw new GoogleSetupException(
                $"{exception.Message}{Environment.NewLine}Workload Identity is not enabled on any cluster of project {exception.Call.Project}. Enable it on the cluster: gcloud container clusters update CLUSTER --location=REGION --workload-pool={exception.Call.Project}.svc.id.goog",
                exception);
        }
        catch (GoogleApiException exception) when (target.Freshness == AccountFreshness.JustCreated && isPropagationError(exception))
        {
            throw new GoogleSetupException($"{exception.Message}{Environment.NewLine}The service account was created in this run but IAM still does not see it after {retry.Options.PropagationWindow}; run the step again.", exception);
        }
    }
}
