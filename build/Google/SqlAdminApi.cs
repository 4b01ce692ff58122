using System.Text.Json.Nodes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Google;

public sealed record SqlInstance(string Name, string? DatabaseVersion, string? State);

/// <summary>A backup run of an instance: its id (what `gcloud sql backups restore` takes), status (SUCCESSFUL when done), type and description.</summary>
public sealed record SqlBackupRun(string Id, string Status, string Type, string? Description, DateTimeOffset? EnqueuedTime);

/// <summary>
/// A Cloud SQL long-running operation; DONE with a non-empty <see cref="Errors"/> is a failure. A backup run's
/// operation (BACKUP_VOLUME) names the backup it makes in backupContext.backupId.
/// </summary>
public sealed record SqlOperation(string Name, string Status, IReadOnlyList<string> Errors, string? BackupId = null)
{
    public bool IsDone => Status == "DONE";
}

/// <summary>Cloud SQL Admin API (v1): instances, databases, users and their operations.</summary>
public interface ISqlAdminApi
{
    /// <summary>The instance, or null when it does not exist.</summary>
    Task<SqlInstance?> GetInstanceAsync(CloudSqlInstance instance, CancellationToken cancellationToken);

    Task<bool> DatabaseExistsAsync(CloudSqlInstance instance, string database, CancellationToken cancellationToken);

    Task<SqlOperation> InsertDatabaseAsync(CloudSqlInstance instance, string database, CancellationToken cancellationToken);

    /// <param name="host">MySQL only: the host part of the user ('%' for any); null for PostgreSQL.</param>
    Task<bool> UserExistsAsync(CloudSqlInstance instance, string user, string? host, CancellationToken cancellationToken);

    /// <summary>Creates a built-in user; the password goes in the request body only.</summary>
    Task<SqlOperation> InsertUserAsync(CloudSqlInstance instance, string user, string? host, string password, CancellationToken cancellationToken);

    /// <summary>Creates an IAM database user (type CLOUD_IAM_SERVICE_ACCOUNT) for a Google service account; it has no password.</summary>
    Task<SqlOperation> InsertIamServiceAccountUserAsync(CloudSqlInstance instance, string user, CancellationToken cancellationToken);

    /// <summary>Starts an on-demand backup run (operation BACKUP_VOLUME).</summary>
    Task<SqlOperation> InsertBackupRunAsync(CloudSqlInstance instance, string description, CancellationToken cancellationToken);

    /// <summary>The instance's backup runs, newest first, at most <paramref name="maxResults"/>.</summary>
    Task<IReadOnlyList<SqlBackupRun>> ListBackupRunsAsync(CloudSqlInstance instance, int maxResults, CancellationToken cancellationToken);

    Task<SqlOperation> GetOperationAsync(string project, string operation, CancellationToken cancellationToken);
}

public sealed class SqlAdminApi(GoogleRestClient client, Uri baseUri) : ISqlAdminApi
{
    public async Task<SqlInstance?> GetInstanceAsync(CloudSqlInstance instance, CancellationToken cancellationToken)
    {
        var call = Call($"read Cloud SQL instance {instance.ConnectionName}", instance, "cloudsql.instances.get", "roles/cloudsql.viewer");
        var json = await GetOrNullAsync(Instance(instance, string.Empty), call, cancellationToken);
        return json == null ? null : new SqlInstance((string?)json["name"] ?? instance.Instance, (string?)json["databaseVersion"], (string?)json["state"]);
    }

    public async Task<bool> DatabaseExistsAsync(CloudSqlInstance instance, string database, CancellationToken cancellationToken)
    {
        var call = Call($"read database {database} of {instance.ConnectionName}", instance, "cloudsql.databases.get", "roles/cloudsql.viewer");
        return await GetOrNullAsync(Instance(instance, $"/databases/{Uri.EscapeDataString(database)}"), call, cancellationToken) != null;
    }

    public async Task<SqlOperation> InsertDatabaseAsync(CloudSqlInstance instance, string database, CancellationToken cancellationToken)
    {
        var call = Call($"create database {database} in {instance.ConnectionName}", instance, "cloudsql.databases.create", "roles/cloudsql.admin");
        var body = new JsonObject { ["name"] = database, ["instance"] = instance.Instance, ["project"] = instance.Project };
        return ToOperation(await client.SendAsync(HttpMethod.Post, Instance(instance, "/databases"), body, call, cancellationToken));
    }

    public async Task<bool> UserExistsAsync(CloudSqlInstance instance, string user, string? host, CancellationToken cancellationToken)
    {
        var call = Call($"read user {user} of {instance.ConnectionName}", instance, "cloudsql.users.list", "roles/cloudsql.viewer");
        var query = host == null ? string.Empty : $"?host={Uri.EscapeDataString(host)}";
        return await GetOrNullAsync(Instance(instance, $"/users/{Uri.EscapeDataString(user)}{query}"), call, cancellationToken) != null;
    }

    public async Task<SqlOperation> InsertUserAsync(CloudSqlInstance instance, string user, string? host, string password, CancellationToken cancellationToken)
    {
        var call = Call($"create user {user} in {instance.ConnectionName}", instance, "cloudsql.users.create", "roles/cloudsql.admin");
        var body = new JsonObject { ["name"] = user, ["password"] = password, ["type"] = "BUILT_IN" };
        if (host != null)
        {
            body["host"] = host;
        }

        return ToOperation(await client.SendAsync(HttpMethod.Post, Instance(instance, "/users"), body, call, cancellationToken));
    }

    public async Task<SqlOperation> InsertIamServiceAccountUserAsync(CloudSqlInstance instance, string user, CancellationToken cancellationToken)
    {
        var call = Call($"create IAM user {user} in {instance.ConnectionName}", instance, "cloudsql.users.create", "roles/cloudsql.admin");
        var body = new JsonObject { ["name"] = user, ["type"] = "CLOUD_IAM_SERVICE_ACCOUNT" };
        return ToOperation(await client.SendAsync(HttpMethod.Post, Instance(instance, "/users"), body, call, cancellationToken));
    }

    public async Task<SqlOperation> InsertBackupRunAsync(CloudSqlInstance instance, string description, CancellationToken cancellationToken)
    {
        var call = Call($"start a backup run of {instance.ConnectionName}", instance, "cloudsql.backupRuns.create", "roles/cloudsql.editor");
        return ToOperation(await client.SendAsync(HttpMethod.Post, Instance(instance, "/backupRuns"), new JsonObject { ["description"] = description }, call, cancellationToken));
    }

    public async Task<IReadOnlyList<SqlBackupRun>> ListBackupRunsAsync(CloudSqlInstance instance, int maxResults, CancellationToken cancellationToken)
    {
        var call = Call($"list the backup runs of {instance.ConnectionName}", instance, "cloudsql.backupRuns.list", "roles/cloudsql.viewer");
        var json = await client.SendAsync(HttpMethod.Get, Instance(instance, $"/backupRuns?maxResults={maxResults}"), null, call, cancellationToken);
        return (json["items"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(run => new SqlBackupRun(
                (string?)run["id"] ?? string.Empty,
                (string?)run["status"] ?? "SQL_BACKUP_RUN_STATUS_UNSPECIFIED",
                (string?)run["type"] ?? "BACKUP_TYPE_UNSPECIFIED",
                (string?)run["description"],
                DateTimeOffset.TryParse((string?)run["enqueuedTime"], System.Globalization.CultureInfo.InvariantCulture, out var enqueued) ? enqueued : null))
            .ToList();
    }

    public async Task<SqlOperation> GetOperationAsync(string project, string operation, CancellationToken cancellationToken)
    {
        var call = new GoogleCall($"read Cloud SQL operation {operation}", project, "cloudsql.instances.get", "roles/cloudsql.viewer");
        var uri = new Uri(baseUri, $"v1/projects/{Uri.EscapeDataString(project)}/operations/{Uri.EscapeDataString(operation)}");
        return ToOperation(await client.SendAsync(HttpMethod.Get, uri, null, call, cancellationToken));
    }

    private static GoogleCall Call(string description, CloudSqlInstance instance, string permission, string role) => new(description, instance.Project, permission, role);

    private static SqlOperation ToOperation(JsonObject json) => new(
        (string?)json["name"] ?? throw new InvalidOperationException($"Cloud SQL answered an operation without a name: {json.ToJsonString()}"),
        (string?)json["status"] ?? "STATUS_UNSPECIFIED",
        (json["error"]?["errors"] as JsonArray ?? []).OfType<JsonObject>().Select(error => $"{(string?)error["code"]}: {(string?)error["message"]}").ToList(),
        (string?)json["backupContext"]?["backupId"]);

    private async Task<JsonObject?> GetOrNullAsync(Uri uri, GoogleCall call, CancellationToken cancellationToken)
    {
        try
        {
            return await client.SendAsync(HttpMethod.Get, uri, null, call, cancellationToken);
        }
        catch (GoogleApiException exception) when (exception.IsNotFound)
        {
            return null;
        }
    }

    private Uri Instance(CloudSqlInstance instance, string suffix) =>
        new(baseUri, $"v1/projects/{Uri.EscapeDataString(instance.Project)}/instances/{Uri.EscapeDataString(instance.Instance)}{suffix}");
}
