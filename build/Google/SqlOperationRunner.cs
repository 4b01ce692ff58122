using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Google;

/// <summary>
/// Runs one Cloud SQL operation: starts it, waiting out operationInProgress (409: another operation runs on the
/// instance), and polls it until DONE. DONE can still be a failure: the caller reads <see cref="SqlOperation.Errors"/>.
/// </summary>
public sealed class SqlOperationRunner(ISqlAdminApi sql, GoogleRetry retry)
{
    public async Task<SqlOperation> RunAsync(CloudSqlInstance instance, string what, Func<CancellationToken, Task<SqlOperation>> start, CancellationToken cancellationToken)
    {
        var operation = await retry.RetryAsync(retry.Options.OperationTimeout, int.MaxValue, exception => exception.IsOperationInProgress, start, cancellationToken);
        return await retry.PollAsync(
            retry.Options.OperationTimeout,
            $"Cloud SQL operation {operation.Name} ({what} in {instance.ConnectionName})",
            token => sql.GetOperationAsync(instance.Project, operation.Name, token),
            current => current.IsDone,
            cancellationToken);
    }
}
