using Cake.Core.Diagnostics;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Google;

/// <summary>MLflow's database (and with AUTH=basic the basic-auth app's) and user (built-in, or the proxy's IAM service account user) in an existing Cloud SQL instance, created when missing.</summary>
public sealed class CloudSqlDatabase(ISqlAdminApi sql, SqlOperationRunner operations, ChangeGate changes, ICakeLog log)
{
    public const string DatabaseName = CloudSqlTarget.DatabaseName;

    /// <param name="password">The built-in user's password (DB_PASSWORD); null for an IAM user.</param>
    public async Task EnsureAsync(CloudSqlTarget target, string? password, CancellationToken cancellationToken)
    {
        var instance = target.Instance;
        var found = await sql.GetInstanceAsync(instance, cancellationToken)
            ?? throw new GoogleSetupException(
                $"Cloud SQL instance {instance.Instance} does not exist in project {instance.Project} ({SettingNames.CloudSqlInstanceName}={instance.ConnectionName}). Create it, or fix {SettingNames.CloudSqlInstanceName}; the suite creates the database, not the instance.");
        log.Verbose("Cloud SQL instance {0}: {1} {2}", instance.ConnectionName, found.DatabaseVersion ?? "?", found.State ?? "?");

        foreach (var database in target.Databases)
        {
            await EnsureDatabaseAsync(instance, database, cancellationToken);
        }

        var user = target.User;
        string? host = target.Engine == CloudSqlEngine.MySql ? "%" : null;
        if (await sql.UserExistsAsync(instance, user.Login, host, cancellationToken))
        {
            log.Information(user.IsIam ? "IAM database user {0} exists in {1}" : "Database user {0} exists in {1}; its password is left as it is", user.Login, instance.ConnectionName);
            return;
        }

        if (user.IsIam)
        {
            await changes.MakeAsync($"create IAM database user {user.Login} (type CLOUD_IAM_SERVICE_ACCOUNT, the Cloud SQL proxy's Google service account) in Cloud SQL instance {instance.ConnectionName}", () =>
                RunOperationAsync(instance, $"creating IAM user {user.Login}", token => sql.InsertIamServiceAccountUserAsync(instance, user.Name, token), cancellationToken));
            return;
        }

        await changes.MakeAsync($"create database user {user.Login} in Cloud SQL instance {instance.ConnectionName} with the password from {SettingNames.DatabasePassword}", () =>
            RunOperationAsync(instance, $"creating user {user.Login}", token => sql.InsertUserAsync(instance, user.Name, host, password!, token), cancellationToken));
    }

    private async Task EnsureDatabaseAsync(CloudSqlInstance instance, string database, CancellationToken cancellationToken)
    {
        if (await sql.DatabaseExistsAsync(instance, database, cancellationToken))
        {
            log.Information("Database {0} exists in {1}", database, instance.ConnectionName);
            return;
        }

        await changes.MakeAsync($"create database {database} in Cloud SQL instance {instance.ConnectionName}", () =>
            RunOperationAsync(instance, $"creating database {database}", token => sql.InsertDatabaseAsync(instance, database, token), cancellationToken));
    }

    /// <summary>"Already exists", from the insert itself (400) or as the operation's error, means someone else got there first.</summary>
    private async Task RunOperationAsync(CloudSqlInstance instance, string what, Func<CancellationToken, Task<SqlOperation>> start, CancellationToken cancellationToken)
    {
        SqlOperation done;
        try
        {
            done = await operations.RunAsync(instance, what, start, cancellationToken);
        }
        catch (GoogleApiException exception) when (exception.IsAlreadyExists)
        {
            log.Information("Cloud SQL: {0}: it already exists", what);
            return;
        }

        if (done.Errors.Count == 0)
        {
            return;
        }

        if (done.Errors.Any(error => error.Contains("already exists", StringComparison.OrdinalIgnoreCase)))
        {
            log.Information("Cloud SQL: {0}: it already exists", what);
            return;
        }

        throw new InvalidOperationException($"Cloud SQL operation {done.Name} ({what} in {instance.ConnectionName}) failed: {string.Join("; ", done.Errors)}");
    }
}
