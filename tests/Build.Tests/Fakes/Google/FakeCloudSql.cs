using System.Net;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.Fakes.Google;

/// <summary>
/// Cloud SQL Admin v1: instances, databases, built-in and IAM service account users, on-demand backup runs, and long-running
/// operations. An insert answers an operation at once; the object appears when the operation is DONE, and DONE can carry an
/// error. A backup run is listed at once (ENQUEUED, then SUCCESSFUL or FAILED with its operation); its operation
/// (BACKUP_VOLUME) names it in backupContext.backupId.
/// </summary>
public sealed class FakeCloudSql(GoogleFaults faults)
{
    private long _backupIds = 1764460800000;
    private readonly Dictionary<string, FakeInstance> _instances = [];
    private readonly Dictionary<string, FakeOperation> _operations = [];

    public FakeInstance AddInstance(string project, string name, string databaseVersion = "POSTGRES_16")
    {
        var instance = new FakeInstance(project, name, databaseVersion);
        _instances[$"{project}/{name}"] = instance;
        return instance;
    }

    public FakeInstance? Instance(string project, string name) => _instances.GetValueOrDefault($"{project}/{name}");

    public JsonObject GetInstance(string project, string name)
    {
        var instance = Require(project, name);
        return new JsonObject { ["kind"] = "sql#instance", ["name"] = instance.Name, ["project"] = project, ["databaseVersion"] = instance.DatabaseVersion, ["state"] = "RUNNABLE" };
    }

    public JsonObject GetDatabase(string project, string name, string database) =>
        Require(project, name).Databases.Contains(database)
            ? new JsonObject { ["kind"] = "sql#database", ["name"] = database, ["instance"] = name, ["project"] = project, ["charset"] = "UTF8" }
            : throw new GoogleErrorAnswer(GoogleError.NotFound($"The database {database} does not exist in instance {name}."));

    public JsonObject InsertDatabase(string project, string name, JsonObject body)
    {
        var instance = Require(project, name);
        var database = (string?)body["name"] ?? throw new GoogleErrorAnswer(GoogleError.InvalidArgument("Missing database name."));
        RefuseWhileAnotherOperationRuns();
        if (faults.DatabaseCreatedConcurrently)
        {
            faults.DatabaseCreatedConcurrently = false;
            instance.Databases.Add(database);
        }

        if (instance.Databases.Contains(database))
        {
            throw new GoogleErrorAnswer(GoogleError.InvalidArgument($"Invalid request: failed to create database {database}. Detail: pq: database \"{database}\" already exists.", "invalid"));
        }

        var error = faults.NextOperationError;
        faults.NextOperationError = null;
        return Start(project, name, "CREATE_DATABASE", error, () => instance.Databases.Add(database));
    }

    public JsonObject GetUser(string project, string name, string user)
    {
        var instance = Require(project, name);
        return instance.Users.ContainsKey(user) || instance.IamServiceAccountUsers.Contains(user)
            ? new JsonObject { ["kind"] = "sql#user", ["name"] = user, ["instance"] = name, ["project"] = project, ["type"] = instance.Users.ContainsKey(user) ? "BUILT_IN" : "CLOUD_IAM_SERVICE_ACCOUNT" }
            : throw new GoogleErrorAnswer(GoogleError.NotFound($"The user {user} does not exist in instance {name}."));
    }

    public JsonObject InsertUser(string project, string name, JsonObject body)
    {
        var instance = Require(project, name);
        var user = (string?)body["name"] ?? throw new GoogleErrorAnswer(GoogleError.InvalidArgument("Missing user name."));
        var password = (string?)body["password"] ?? string.Empty;
        RefuseWhileAnotherOperationRuns();
        if ((string?)body["type"] == "CLOUD_IAM_SERVICE_ACCOUNT")
        {
            var login = IamLogin(instance, user);
            return Start(project, name, "CREATE_USER", null, () => instance.IamServiceAccountUsers.Add(login));
        }

        return Start(project, name, "CREATE_USER", null, () => instance.Users[user] = password);
    }

    public JsonObject InsertBackupRun(string project, string name, JsonObject body)
    {
        var instance = Require(project, name);
        RefuseWhileAnotherOperationRuns();
        var run = new FakeBackupRun((++_backupIds).ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)body["description"], DateTimeOffset.UtcNow);
        instance.BackupRuns.Insert(0, run);
        var error = faults.NextBackupRunError;
        faults.NextBackupRunError = null;
        return Start(project, name, "BACKUP_VOLUME", error, () => run.Status = "SUCCESSFUL", () => run.Status = "FAILED", run.Id);
    }

    /// <summary>Newest first, at most maxResults (the API's page size).</summary>
    public JsonObject ListBackupRuns(string project, string name, string query)
    {
        var instance = Require(project, name);
        var max = System.Text.RegularExpressions.Regex.Match(query, "maxResults=([0-9]+)") is { Success: true } match ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : int.MaxValue;
        var items = new JsonArray(instance.BackupRuns.Take(max).Select(run => (JsonNode)run.ToJson(project, name)).ToArray());
        return new JsonObject { ["kind"] = "sql#backupRunsList", ["items"] = items };
    }

    public JsonObject GetOperation(string project, string operation)
    {
        if (!_operations.TryGetValue(operation, out var state) || state.Project != project)
        {
            throw new GoogleErrorAnswer(GoogleError.NotFound($"The operation {operation} does not exist."));
        }

        if (state.PollsLeft > 0)
        {
            state.PollsLeft--;
        }
        else if (!state.Done)
        {
            state.Done = true;
            if (state.Error == null)
            {
                state.Complete();
            }
            else
            {
                state.Fail();
            }
        }

        return state.ToJson();
    }

    /// <summary>
    /// PostgreSQL names a service account's user after its email without ".gserviceaccount.com" and refuses the whole
    /// email; MySQL takes the whole email and names the user after the part before the @.
    /// </summary>
    private static string IamLogin(FakeInstance instance, string user) =>
        instance.DatabaseVersion.StartsWith("MYSQL", StringComparison.Ordinal) ? user.Split('@')[0]
        : user.EndsWith(".gserviceaccount.com", StringComparison.Ordinal) ? throw new GoogleErrorAnswer(GoogleError.InvalidArgument($"Invalid request: the IAM service account user {user} must be named without the .gserviceaccount.com suffix."))
        : user;

    private void RefuseWhileAnotherOperationRuns()
    {
        if (faults.OperationsInProgress > 0)
        {
            faults.OperationsInProgress--;
            throw new GoogleErrorAnswer(GoogleError.OperationInProgress());
        }
    }

    private JsonObject Start(string project, string instance, string type, (string Code, string Message)? error, Action complete, Action? fail = null, string? backupId = null)
    {
        var operation = new FakeOperation(Guid.NewGuid().ToString(), project, instance, type, error, complete, fail, backupId) { PollsLeft = faults.OperationPollsBeforeDone };
        _operations[operation.Name] = operation;
        return operation.ToJson();
    }

    private FakeInstance Require(string project, string name) =>
        Instance(project, name) ?? throw new GoogleErrorAnswer(new GoogleError(HttpStatusCode.NotFound, "NOT_FOUND", "The Cloud SQL instance does not exist.", LegacyReason: "instanceDoesNotExist"));

    private sealed class FakeOperation(string name, string project, string instance, string type, (string Code, string Message)? error, Action complete, Action? fail, string? backupId)
    {
        public string Name { get; } = name;

        public string Project { get; } = project;

        public (string Code, string Message)? Error { get; } = error;

        public int PollsLeft { get; set; }

        public bool Done { get; set; }

        public void Complete() => complete();

        public void Fail() => fail?.Invoke();

        public JsonObject ToJson()
        {
            var json = new JsonObject
            {
                ["kind"] = "sql#operation",
                ["name"] = Name,
                ["operationType"] = type,
                ["status"] = Done ? "DONE" : PollsLeft > 0 ? "PENDING" : "RUNNING",
                ["targetId"] = instance,
                ["targetProject"] = Project,
            };
            if (backupId != null)
            {
                json["backupContext"] = new JsonObject { ["kind"] = "sql#backupContext", ["backupId"] = backupId };
            }

            if (Done && Error is { } failure)
            {
                json["error"] = new JsonObject
                {
                    ["kind"] = "sql#operationErrors",
                    ["errors"] = new JsonArray(new JsonObject { ["kind"] = "sql#operationError", ["code"] = failure.Code, ["message"] = failure.Message }),
                };
            }

            return json;
        }
    }
}

public sealed record FakeInstance(string Project, string Name, string DatabaseVersion)
{
    public HashSet<string> Databases { get; } = ["postgres"];

    /// <summary>Built-in users and their passwords.</summary>
    public Dictionary<string, string> Users { get; } = new() { ["postgres"] = "initial" };

    /// <summary>IAM service account users, by the name they log in with.</summary>
    public HashSet<string> IamServiceAccountUsers { get; } = [];

    /// <summary>Backup runs, newest first.</summary>
    public List<FakeBackupRun> BackupRuns { get; } = [];
}

/// <summary>An on-demand backup run as backupRuns.list shows it.</summary>
public sealed class FakeBackupRun(string id, string? description, DateTimeOffset enqueued)
{
    public string Id { get; } = id;

    public string? Description { get; } = description;

    public string Status { get; set; } = "ENQUEUED";

    public JsonObject ToJson(string project, string instance) => new()
    {
        ["kind"] = "sql#backupRun",
        ["id"] = Id,
        ["instance"] = instance,
        ["selfLink"] = $"https://sqladmin.googleapis.com/v1/projects/{project}/instances/{instance}/backupRuns/{Id}",
        ["status"] = Status,
        ["type"] = "ON_DEMAND",
        ["description"] = Description,
        ["enqueuedTime"] = enqueued.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
    };
}
