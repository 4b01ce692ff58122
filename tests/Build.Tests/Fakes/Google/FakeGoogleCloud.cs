using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MlflowGke.Build.Tests.Fakes.Google;

public sealed record RecordedRequest(string Method, string Path, string Query, string Body, string? Authorization)
{
    /// <summary>Changes state: every POST except getIamPolicy (which IAM serves as a POST).</summary>
    public bool IsMutating => Method != "GET" && !Path.EndsWith(":getIamPolicy", StringComparison.Ordinal);

    /// <summary>When the double received it (<see cref="System.Diagnostics.Stopwatch"/> ticks), to order requests across doubles.</summary>
    public long Timestamp { get; init; } = System.Diagnostics.Stopwatch.GetTimestamp();

    public override string ToString() => $"{Method} {Path}{Query}";
}

/// <summary>
/// In-process double of the IAM, Resource Manager and Cloud SQL Admin REST APIs (v1 paths), on one
/// loopback port; point every CLOUDSDK_API_ENDPOINT_OVERRIDES_* variable at <see cref="Uri"/>.
/// Requests need "Authorization: Bearer <see cref="AccessToken"/>" and are all recorded.
/// </summary>
public sealed partial class FakeGoogleCloud : IAsyncDisposable
{
    public const string AccessToken = "ya29.fake-token-that-must-never-be-printed";
    public const string ProjectNumber = "123456789012";
    public const string StsTokenPath = "/v1/token";

    /// <summary>The OIDC token a CI provider would hand to google-github-actions/auth.</summary>
    public const string AcceptedSubjectToken = "eyJhbGciOiJSUzI1NiJ9.github-oidc-token.signature";

    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Dictionary<string, JsonObject> _serviceAccounts = [];
    private readonly Dictionary<(string Email, string Kind), int> _invisible = [];
    private readonly IReadOnlyList<Route> _routes;

    private FakeGoogleCloud(string project)
    {
        Project = project;
        CloudSql = new FakeCloudSql(Faults);
        _app = LoopbackWebApplication.Create();
        _app.Run(HandleAsync);
        _routes = Routes().ToList();
    }

    public string Project { get; }

    public Uri Uri { get; private set; } = null!;

    public GoogleFaults Faults { get; } = new();

    public FakeIamPolicies Policies { get; } = new();

    public FakeCloudSql CloudSql { get; }

    /// <summary>GKE clusters of the project by "LOCATION/NAME", as the Kubernetes Engine API answers a GET (the fields the suite reads).</summary>
    public Dictionary<string, JsonObject> Clusters { get; } = [];

    /// <summary>Workload Identity enabled on a cluster of the project, so the PROJECT.svc.id.goog pool exists.</summary>
    public bool WorkloadIdentityPoolExists { get; set; } = true;

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    public IReadOnlyList<RecordedRequest> MutatingRequests => Requests.Where(request => request.IsMutating).ToList();

    public static async Task<FakeGoogleCloud> StartAsync(string project)
    {
        var fake = new FakeGoogleCloud(project);
        await fake._app.StartAsync();
        fake.Uri = fake._app.BaseUri();
        return fake;
    }

    public static string ProjectResource(string project) => $"projects/{project}";

    public static string ServiceAccountResource(string project, string email) => $"projects/{project}/serviceAccounts/{email}";

    public void AddServiceAccount(string email, string displayName = "existing")
    {
        lock (_lock)
        {
            _serviceAccounts[email] = ServiceAccountJson(email, displayName, description: string.Empty);
        }
    }

    public JsonObject? ServiceAccount(string email)
    {
        lock (_lock)
        {
            return _serviceAccounts.GetValueOrDefault(email)?.DeepClone().AsObject();
        }
    }

    /// <summary>Runs <paramref name="action"/> under the fake's lock, as one atomic change by another writer.</summary>
    public T Atomically<T>(Func<T> action)
    {
        lock (_lock)
        {
            return action();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        context.Request.EnableBuffering();
        var body = await new StreamReader(context.Request.Body, leaveOpen: true).ReadToEndAsync();
        context.Request.Body.Position = 0;
        if (context.Request.HasFormContentType)
        {
            await context.Request.ReadFormAsync();
        }

        var request = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? string.Empty, body, context.Request.Headers.Authorization.FirstOrDefault());
        JsonObject answer;
        var status = HttpStatusCode.OK;
        lock (_lock)
        {
            _requests.Add(request);
            try
            {
                answer = request.Path == StsTokenPath ? ExchangeToken(context.Request.Form) : Dispatch(request, body.Length == 0 ? [] : JsonNode.Parse(body)!.AsObject());
            }
            catch (GoogleErrorAnswer error)
            {
                status = error.Error.Code;
                answer = error.Error.ToJson();
            }
        }

        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    /// <summary>
    /// Security Token Service token exchange (RFC 8693), the first step of an external_account credential
    /// (Workload Identity Federation): a subject token from <see cref="AcceptedSubjectToken"/> buys <see cref="AccessToken"/>.
    /// </summary>
    private JsonObject ExchangeToken(IFormCollection form)
    {
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:token-exchange" || form["subject_token"] != AcceptedSubjectToken)
        {
            throw new GoogleErrorAnswer(new GoogleError(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "invalid_grant: the subject token is invalid."));
        }

        return new JsonObject
        {
            ["access_token"] = AccessToken,
            ["issued_token_type"] = "urn:ietf:params:oauth:token-type:access_token",
            ["token_type"] = "Bearer",
            ["expires_in"] = 3600,
        };
    }

    private JsonObject Dispatch(RecordedRequest request, JsonObject body)
    {
        if (request.Authorization != $"Bearer {AccessToken}")
        {
            throw new GoogleErrorAnswer(new GoogleError(HttpStatusCode.Unauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token."));
        }

        if (Faults.TakeBurst(request.Path) is { } burst)
        {
            throw new GoogleErrorAnswer(GoogleError.Transient(burst));
        }

        var route = _routes.Select(candidate => (candidate, match: candidate.Pattern.Match(request.Path)))
            .FirstOrDefault(item => item.candidate.Method == request.Method && item.match.Success);
        if (route.candidate == null)
        {
            throw new GoogleErrorAnswer(GoogleError.NotFound($"No route for {request.Method} {request.Path}."));
        }

        var (api, permission, _, _, handler) = route.candidate;
        var project = route.match.Groups["project"].Value;
        if (project != Project)
        {
            throw new GoogleErrorAnswer(GoogleError.PermissionDenied(permission));
        }

        if (Faults.DisabledApis.Contains(api))
        {
            throw new GoogleErrorAnswer(GoogleError.ServiceDisabled(api, ProjectNumber));
        }

        if (Faults.DeniedPermissions.Contains(permission))
        {
            throw new GoogleErrorAnswer(GoogleError.PermissionDenied(permission));
        }

        return handler(route.match, request, body);
    }

    private sealed record Route(string Api, string Permission, string Method, Regex Pattern, Func<Match, RecordedRequest, JsonObject, JsonObject> Handler);

    private IEnumerable<Route> Routes()
    {
        const string iam = "iam.googleapis.com";
        const string resourceManager = "cloudresourcemanager.googleapis.com";
        const string sql = "sqladmin.googleapis.com";
        const string container = "container.googleapis.com";
        yield return new(iam, "iam.serviceAccounts.create", "POST", CreateAccountPath(), (_, _, body) => CreateServiceAccount(body));
        yield return new(iam, "iam.serviceAccounts.get", "GET", AccountPath(), (match, _, _) => GetServiceAccount(match.Groups["email"].Value));
        yield return new(iam, "iam.serviceAccounts.getIamPolicy", "POST", AccountPolicyPath("getIamPolicy"), (match, request, _) => GetAccountPolicy(match.Groups["email"].Value, request.Query));
        yield return new(iam, "iam.serviceAccounts.setIamPolicy", "POST", AccountPolicyPath("setIamPolicy"), (match, _, body) => SetAccountPolicy(match.Groups["email"].Value, body));
        yield return new(resourceManager, "resourcemanager.projects.getIamPolicy", "POST", ProjectPolicyPath("getIamPolicy"), (_, _, body) => Policies.Get(ProjectResource(Project), (int?)body["options"]?["requestedPolicyVersion"] ?? 1));
        yield return new(resourceManager, "resourcemanager.projects.setIamPolicy", "POST", ProjectPolicyPath("setIamPolicy"), (_, _, body) => SetPolicy(ProjectResource(Project), body));
        yield return new(sql, "cloudsql.instances.get", "GET", InstancePath(), (match, _, _) => CloudSql.GetInstance(Project, match.Groups["instance"].Value));
        yield return new(sql, "cloudsql.databases.get", "GET", DatabasePath(), (match, _, _) => CloudSql.GetDatabase(Project, match.Groups["instance"].Value, match.Groups["name"].Value));
        yield return new(sql, "cloudsql.databases.create", "POST", DatabasesPath(), (match, _, body) => CloudSql.InsertDatabase(Project, match.Groups["instance"].Value, body));
        yield return new(sql, "cloudsql.users.list", "GET", UserPath(), (match, _, _) => CloudSql.GetUser(Project, match.Groups["instance"].Value, match.Groups["name"].Value));
        yield return new(sql, "cloudsql.users.create", "POST", UsersPath(), (match, _, body) => CloudSql.InsertUser(Project, match.Groups["instance"].Value, body));
        yield return new(sql, "cloudsql.backupRuns.create", "POST", BackupRunsPath(), (match, _, body) => CloudSql.InsertBackupRun(Project, match.Groups["instance"].Value, body));
        yield return new(sql, "cloudsql.backupRuns.list", "GET", BackupRunsPath(), (match, request, _) => CloudSql.ListBackupRuns(Project, match.Groups["instance"].Value, request.Query));
        yield return new(sql, "cloudsql.instances.get", "GET", OperationPath(), (match, _, _) => CloudSql.GetOperation(Project, match.Groups["operation"].Value));
        yield return new(container, "container.clusters.get", "GET", ClusterPath(), (match, _, _) => GetCluster(match.Groups["location"].Value, match.Groups["cluster"].Value));
    }

    private JsonObject GetCluster(string location, string name) =>
        Clusters.TryGetValue($"{location}/{name}", out var cluster)
            ? cluster.DeepClone().AsObject()
            : throw new GoogleErrorAnswer(GoogleError.NotFound($"Not found: projects/{Project}/locations/{location}/clusters/{name}."));

    private JsonObject CreateServiceAccount(JsonObject body)
    {
        var accountId = (string?)body["accountId"] ?? string.Empty;
        if (!AccountIdPattern().IsMatch(accountId))
        {
            throw new GoogleErrorAnswer(GoogleError.InvalidArgument($"Invalid account ID '{accountId}': it must match [a-z][a-z0-9-]{{4,28}}[a-z0-9]."));
        }

        var email = $"{accountId}@{Project}.iam.gserviceaccount.com";
        if (_serviceAccounts.ContainsKey(email))
        {
            throw new GoogleErrorAnswer(GoogleError.AlreadyExists($"Service account {accountId} already exists within project {ProjectResource(Project)}."));
        }

        var account = ServiceAccountJson(email, (string?)body["serviceAccount"]?["displayName"] ?? string.Empty, (string?)body["serviceAccount"]?["description"] ?? string.Empty);
        _serviceAccounts[email] = account;
        foreach (var kind in new[] { "get", "getIamPolicy", "setIamPolicy", "member" })
        {
            _invisible[(email, kind)] = Faults.PropagationDelayRequests;
        }

        return account.DeepClone().AsObject();
    }

    private JsonObject GetServiceAccount(string email) => _serviceAccounts.TryGetValue(email, out var account) && !StillInvisible(email, "get")
        ? account.DeepClone().AsObject()
        : throw new GoogleErrorAnswer(GoogleError.NotFound($"Unknown service account {email}."));

    private JsonObject GetAccountPolicy(string email, string query)
    {
        if (!_serviceAccounts.ContainsKey(email) || StillInvisible(email, "getIamPolicy"))
        {
            throw new GoogleErrorAnswer(Faults.PropagationReadsAnswerForbidden ? GoogleError.PermissionDenied("iam.serviceAccounts.getIamPolicy") : GoogleError.NotFound($"Unknown service account {email}."));
        }

        var version = RequestedVersionPattern().Match(query) is { Success: true } match ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
        return Policies.Get(ServiceAccountResource(Project, email), version);
    }

    private JsonObject SetAccountPolicy(string email, JsonObject body)
    {
        if (!_serviceAccounts.ContainsKey(email) || StillInvisible(email, "setIamPolicy"))
        {
            throw new GoogleErrorAnswer(GoogleError.NotFound($"Unknown service account {email}."));
        }

        return SetPolicy(ServiceAccountResource(Project, email), body);
    }

    private JsonObject SetPolicy(string resource, JsonObject body)
    {
        if (Faults.ConcurrentWritesBeforeNextSets > 0)
        {
            Faults.ConcurrentWritesBeforeNextSets--;
            Policies.AddAsAnotherWriter(resource, "roles/viewer", $"user:concurrent-writer-{Faults.ConcurrentWritesBeforeNextSets}@example.com");
        }

        var policy = body["policy"] as JsonObject ?? throw new GoogleErrorAnswer(GoogleError.InvalidArgument("Missing policy."));
        var before = Policies.AllMembers(Policies.Get(resource, 3)).ToHashSet();
        foreach (var member in Policies.AllMembers(policy).Where(member => !before.Contains(member)))
        {
            ValidateNewMember(member);
        }

        return Policies.Set(resource, policy);
    }

    private void ValidateNewMember(string member)
    {
        var workloadIdentity = WorkloadIdentityMemberPattern().Match(member);
        if (workloadIdentity.Success)
        {
            if (!WorkloadIdentityPoolExists || workloadIdentity.Groups["project"].Value != Project)
            {
                var pool = $"{workloadIdentity.Groups["project"].Value}.svc.id.goog";
                throw new GoogleErrorAnswer(GoogleError.InvalidArgument($"Identity Pool does not exist ({pool}). Please check that you specified a valid resource name as returned in the `name` attribute in the configuration API."));
            }

            return;
        }

        if (member.StartsWith("serviceAccount:", StringComparison.Ordinal))
        {
            var email = member["serviceAccount:".Length..];
            if (email.EndsWith(".iam.gserviceaccount.com", StringComparison.Ordinal) && (!_serviceAccounts.ContainsKey(email) || StillInvisible(email, "member")))
            {
                throw new GoogleErrorAnswer(GoogleError.InvalidArgument($"Service account {email} does not exist."));
            }
        }
    }

    private bool StillInvisible(string email, string kind)
    {
        if (_invisible.TryGetValue((email, kind), out var left) && left > 0)
        {
            _invisible[(email, kind)] = left - 1;
            return true;
        }

        return false;
    }

    private static JsonObject ServiceAccountJson(string email, string displayName, string description) => new()
    {
        ["name"] = $"projects/{email.Split('@')[1].Split('.')[0]}/serviceAccounts/{email}",
        ["email"] = email,
        ["displayName"] = displayName,
        ["description"] = description,
        ["uniqueId"] = ((uint)email.GetHashCode()).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [GeneratedRegex("^/v1/projects/(?<project>[^/:]+)/serviceAccounts$")]
    private static partial Regex CreateAccountPath();

    [GeneratedRegex("^/v1/projects/(?<project>[^/:]+)/serviceAccounts/(?<email>[^/:]+)$")]
    private static partial Regex AccountPath();

    private static Regex AccountPolicyPath(string method) => new($"^/v1/projects/(?<project>[^/:]+)/serviceAccounts/(?<email>[^/:]+):{method}$");

    private static Regex ProjectPolicyPath(string method) => new($"^/v1/projects/(?<project>[^/:]+):{method}$");

    [GeneratedRegex("^/v1/projects/(?<project>[^/:]+)/instances/(?<instance>[^/:]+)$")]
    private static partial Regex InstancePath();

    [GeneratedRegex("^/v1/projects/(?<project>[^/:]+)/instances/(?<instance>[^/:]+)/databases/(?<name>[^/:]+)$")]
    private static partial Regex DatabasePath();

    [GeneratedRegex("^/v1/projects/(?<project>[^/:]+)/instances/(?<instance>[^/:]+)/databases$")]
    private static partial Regex DatabasesPath();

    [GeneratedRegex("^/v1/projects/(?<project>[^/:]+)/instances/(?<instance>[^/:]+)/users/(?<name>[^/:]+)$")]
    private static partial Regex UserPath();

    [GeneratedRegex("^/v1/projects/(?<project>[^/:]+)/instances/(?<instance>[^/:]+)/users$")]
    private static partial Regex UsersPath();

    [GeneratedRegex("^/v1/projects/(?<project>[^/:]+)/instances/(?<instance>[^/:]+)/backupRuns$")]
    private static partial Regex BackupRunsPath();

    [GeneratedRegex("^/v1/projects/(?<project>[^/:]+)/operations/(?<operation>[^/:]+)$")]
    private static partial Regex OperationPath();

    [GeneratedRegex("^/v1/projects/(?<project>[^/:]+)/locations/(?<location>[^/:]+)/clusters/(?<cluster>[^/:]+)$")]
    private static partial Regex ClusterPath();

    [GeneratedRegex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
    private static partial Regex AccountIdPattern();

    [GeneratedRegex("^serviceAccount:(?<project>[^.]+)\\.svc\\.id\\.goog\\[[^/]+/[^\\]]+\\]$")]
    private static partial Regex WorkloadIdentityMemberPattern();

    [GeneratedRegex("options\\.requestedPolicyVersion=([0-9]+)")]
    private static partial Regex RequestedVersionPattern();
}
