using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MlflowGke.Build.Tests.Fakes.Mlflow;

/// <summary>
/// An MLflow tracking server (REST API 2.0, as `mlflow server --serve-artifacts`) in memory, on 127.0.0.1 and a free
/// port. It records every request, answers errors as MLflow does (<c>{error_code, message}</c> with the HTTP status),
/// checks the Host header like MLflow ≥3.5, and can be made to fail the way a real deployment fails.
/// </summary>
public sealed class FakeMlflowServer : IAsyncDisposable
{
    /// <summary>MLflow's answer to a Host header that is not allowed (mlflow/server/security_utils.py).</summary>
    public const string InvalidHostMessage = "Invalid Host header - possible DNS rebinding attack detected";

    /// <summary>The basic-auth app's answer to a request without valid credentials (mlflow/server/auth/__init__.py), with status 401.</summary>
    public const string NotAuthenticatedMessage = "You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.";

    private const string Api = "/api/2.0/mlflow/";
    private const string ArtifactsApi = "/api/2.0/mlflow-artifacts/artifacts/";

    /// <summary>MLflow's allowed hosts without --allowed-hosts: loopback names on any port and private address ranges.</summary>
    private static readonly string[] DefaultAllowedHosts =
    [
        "localhost", "127.0.0.1", "[::1]", "0.0.0.0", "localhost:*", "127.0.0.1:*", "[::1]:*", "0.0.0.0:*",
        "192.168.*", "10.*", .. Enumerable.Range(16, 16).Select(octet => $"172.{octet}.*"), "fc00:*", "fd00:*",
    ];

    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly List<MlflowRequest> _requests = [];
    private readonly Dictionary<string, FakeExperiment> _experiments = new() { ["0"] = new("0", "Default") };
    private readonly Dictionary<string, FakeRun> _runs = [];
    private readonly Dictionary<string, byte[]> _artifacts = [];
    private (string ServiceAccountEmail, string Bucket)? _uploadForbidden;
    private string? _databaseHost;
    private bool _stopped;

    private FakeMlflowServer(WebApplication app)
    {
        _app = app;
        app.Run(HandleAsync);
    }

    public Uri Uri { get; private set; } = null!;

    /// <summary>The server's --allowed-hosts; null means MLflow's defaults. Entries with '*' are patterns.</summary>
    public IReadOnlyList<string>? AllowedHosts { get; set; }

    /// <summary>
    /// Runs as `mlflow server --app-name basic-auth` with this login when set: every call but /health and /version without
    /// these credentials is answered 401 with <c>WWW-Authenticate: Basic realm="mlflow"</c>.
    /// </summary>
    public (string Username, string Password)? BasicAuth { get; set; }

    /// <summary>
    /// Identity-Aware Proxy in front of the server (AUTH=iap) when set, on every path: a request without credentials is
    /// redirected (302) to Google's sign-in, one whose bearer token is not this ID token is answered 401, as IAP does.
    /// </summary>
    public string? IapIdToken { get; set; }

    /// <summary>What GET /health answers; a healthy MLflow answers 200 "OK".</summary>
    public (int StatusCode, string Body) Health { get; set; } = (200, "OK");

    public IReadOnlyList<MlflowRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <param name="tlsCertificate">Serve HTTPS with it, as the load balancer in front of an exposed server does.</param>
    public static async Task<FakeMlflowServer> StartAsync(X509Certificate2? tlsCertificate = null)
    {
        var server = new FakeMlflowServer(LoopbackWebApplication.Create(tlsCertificate));
        await server._app.StartAsync();
        server.Uri = server._app.BaseUri();
        return server;
    }

    /// <summary>
    /// Artifact uploads fail as they do when MLflow's Google service account may not create objects in the bucket:
    /// the google-cloud-storage error reaches the client as a 500 whose message carries GCS's 403.
    /// </summary>
    public void FailUploadsWithGcsForbidden(string serviceAccountEmail, string bucket) => _uploadForbidden = (serviceAccountEmail, bucket);

    /// <summary>
    /// The backend store cannot be reached: MLflow's SQLAlchemy store turns the OperationalError into
    /// TEMPORARILY_UNAVAILABLE, answered as 503, on every tracking call.
    /// </summary>
    public void FailTrackingWithDatabaseUnreachable(string databaseHost) => _databaseHost = databaseHost;

    /// <summary>Adds an experiment as an earlier Verify (or a user) left it.</summary>
    public string AddExperiment(string name, bool deleted = false)
    {
        lock (_lock)
        {
            var experiment = new FakeExperiment((_experiments.Count).ToString(System.Globalization.CultureInfo.InvariantCulture), name) { Deleted = deleted };
            _experiments[experiment.Id] = experiment;
            return experiment.Id;
        }
    }

    public FakeExperiment? Experiment(string name)
    {
        lock (_lock)
        {
            return _experiments.Values.SingleOrDefault(experiment => experiment.Name == name);
        }
    }

    public IReadOnlyList<FakeRun> Runs
    {
        get
        {
            lock (_lock)
            {
                return [.. _runs.Values];
            }
        }
    }

    public byte[]? Artifact(string path)
    {
        lock (_lock)
        {
            return _artifacts.GetValueOrDefault(path);
        }
    }

    /// <summary>The server goes down: its port refuses connections from now on.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private static string Pattern(string allowed) => "^" + Regex.Escape(allowed).Replace(@"\*", ".*", StringComparison.Ordinal) + "$";

    private static IResult Error(int status, string code, string message) => Results.Json(new JsonObject { ["error_code"] = code, ["message"] = message }, statusCode: status);

    private static IResult Ok(JsonObject? body = null) => Results.Json(body ?? []);

    private bool HostAllowed(string host)
    {
        var allowed = AllowedHosts ?? DefaultAllowedHosts;
        return host.Length > 0 && (allowed.Contains("*") || allowed.Any(entry => entry.Contains('*') ? Regex.IsMatch(host, Pattern(entry)) : host == entry));
    }

    private bool Authenticated(string authorization) =>
        BasicAuth is not { } login
        || authorization == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{login.Username}:{login.Password}"));

    private async Task HandleAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var request = new MlflowRequest(http.Request.Method, http.Request.Path.Value ?? "/", http.Request.QueryString.Value ?? string.Empty, http.Request.Headers.Host.ToString(), buffer.ToArray());
        lock (_lock)
        {
            _requests.Add(request);
        }

        IResult result;
        if (IapIdToken is { } idToken && http.Request.Headers.Authorization.ToString() is var presented && presented != $"Bearer {idToken}")
        {
            result = presented.Length == 0
                ? Results.Redirect("https://accounts.google.com/o/oauth2/v2/auth?client_id=iap&response_type=code&scope=openid+email")
                : Results.Text("Invalid IAP credentials: JWT signature is invalid", "text/html", statusCode: StatusCodes.Status401Unauthorized);
        }
        else if (request.Path is not ("/health" or "/version") && !HostAllowed(request.Host))
        {
            result = Results.Text(InvalidHostMessage, "text/plain", statusCode: StatusCodes.Status403Forbidden);
        }
        else if (request.Path is not ("/health" or "/version") && !Authenticated(http.Request.Headers.Authorization.ToString()))
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"mlflow\"";
            result = Results.Text(NotAuthenticatedMessage, "text/html", statusCode: StatusCodes.Status401Unauthorized);
        }
        else if (request.Method == "POST" && http.Request.ContentType?.Split(';')[0] != "application/json")
        {
            result = Error(400, "INVALID_PARAMETER_VALUE", "Bad Request. Content-Type must be one of ['application/json'].");
        }
        else if (_databaseHost != null && request.Path.StartsWith(Api, StringComparison.Ordinal))
        {
            result = Error(503, "TEMPORARILY_UNAVAILABLE", $"(sqlalchemy.exc.OperationalError) (psycopg2.OperationalError) connection to server at \"{_databaseHost}\" (10.8.0.12), port 5432 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?");
        }
        else
        {
            lock (_lock)
            {
                result = Route(request, http.Request.Query);
            }
        }

        await result.ExecuteAsync(http);
    }

    private IResult Route(MlflowRequest request, IQueryCollection query)
    {
        var body = request.Method == "POST" ? JsonNode.Parse(request.Body) as JsonObject ?? [] : [];
        return (request.Method, request.Path) switch
        {
            ("GET", "/health") => Results.Text(Health.Body, "text/plain", statusCode: Health.StatusCode),
            ("GET", Api + "experiments/get-by-name") => GetExperimentByName(query["experiment_name"].ToString()),
            ("POST", Api + "experiments/create") => CreateExperiment(body),
            ("POST", Api + "experiments/restore") => WithExperiment(body, experiment => experiment.Deleted = false),
            ("POST", Api + "runs/create") => CreateRun(body),
            ("POST", Api + "runs/log-parameter") => WithActiveRun(body, run => LogParameter(run, body)),
            ("POST", Api + "runs/log-metric") => WithActiveRun(body, run => LogMetric(run, body)),
            ("GET", Api + "runs/get") => _runs.TryGetValue(query["run_id"].ToString(), out var found)
                ? Ok(new JsonObject { ["run"] = found.ToJson() })
                : Error(404, "RESOURCE_DOES_NOT_EXIST", $"Run '{query["run_id"]}' not found"),
            ("GET", Api + "metrics/get-history") => _runs.TryGetValue(query["run_id"].ToString(), out var run)
                ? MetricHistory(run, query["metric_key"].ToString(), query["max_results"].ToString())
                : Error(404, "RESOURCE_DOES_NOT_EXIST", $"Run '{query["run_id"]}' not found"),
            ("POST", Api + "runs/delete") => WithRun(body, run =>
            {
                run.Deleted = true;
                return Ok();
            }),
            ("PUT", _) when request.Path.StartsWith(ArtifactsApi, StringComparison.Ordinal) => UploadArtifact(request.Path[ArtifactsApi.Length..], request.Body),
            ("GET", _) when request.Path.StartsWith(ArtifactsApi, StringComparison.Ordinal) => _artifacts.TryGetValue(request.Path[ArtifactsApi.Length..], out var content)
                ? Results.Bytes(content, "application/octet-stream")
                : Error(404, "RESOURCE_DOES_NOT_EXIST", $"File {request.Path[ArtifactsApi.Length..]} not found"),
            _ => Results.Text("<!doctype html><title>404 Not Found</title><h1>Not Found</h1>", "text/html", statusCode: 404),
        };
    }

    private IResult GetExperimentByName(string name) =>
        _experiments.Values.SingleOrDefault(experiment => experiment.Name == name) is { } experiment
            ? Ok(new JsonObject { ["experiment"] = experiment.ToJson() })
            : Error(404, "RESOURCE_DOES_NOT_EXIST", $"Could not find experiment with name '{name}'");

    private IResult CreateExperiment(JsonObject body)
    {
        var name = body["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            return Error(400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'name'.");
        }

        if (_experiments.Values.Any(experiment => experiment.Name == name))
        {
            return Error(400, "RESOURCE_ALREADY_EXISTS", $"Experiment(name={name}) already exists.");
        }

        var id = _experiments.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _experiments[id] = new FakeExperiment(id, name);
        return Ok(new JsonObject { ["experiment_id"] = id });
    }

    private IResult WithExperiment(JsonObject body, Action<FakeExperiment> change)
    {
        var id = body["experiment_id"]?.GetValue<string>() ?? string.Empty;
        if (!_experiments.TryGetValue(id, out var experiment))
        {
            return Error(404, "RESOURCE_DOES_NOT_EXIST", $"No Experiment with id={id} exists");
        }

        change(experiment);
        return Ok();
    }

    private IResult CreateRun(JsonObject body)
    {
        var experimentId = body["experiment_id"]?.GetValue<string>() ?? "0";
        if (!_experiments.TryGetValue(experimentId, out var experiment))
        {
            return Error(404, "RESOURCE_DOES_NOT_EXIST", $"No Experiment with id={experimentId} exists");
        }

        if (experiment.Deleted)
        {
            return Error(400, "INVALID_PARAMETER_VALUE", $"The experiment {experimentId} must be in the 'active' state. Current state is deleted.");
        }

        var run = new FakeRun(Guid.NewGuid().ToString("N"), experimentId, body["run_name"]?.GetValue<string>() ?? "run", body["start_time"]?.GetValue<long>() ?? 0);
        _runs[run.Id] = run;
        return Ok(new JsonObject { ["run"] = run.ToJson() });
    }

    private IResult WithRun(JsonObject body, Func<FakeRun, IResult> action)
    {
        var id = body["run_id"]?.GetValue<string>() ?? string.Empty;
        return _runs.TryGetValue(id, out var run) ? action(run) : Error(404, "RESOURCE_DOES_NOT_EXIST", $"Run '{id}' not found");
    }

    private IResult WithActiveRun(JsonObject body, Func<FakeRun, IResult> action) => WithRun(body, run => run.Deleted
        ? Error(400, "INVALID_PARAMETER_VALUE", $"The run {run.Id} must be in the 'active' state. Current state is deleted.")
        : action(run));

    private static IResult LogParameter(FakeRun run, JsonObject body)
    {
        var key = body["key"]?.GetValue<string>();
        var value = body["value"]?.GetValue<string>();
        if (key == null || value == null)
        {
            return Error(400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'key' or 'value'.");
        }

        if (run.Parameters.TryGetValue(key, out var old) && old != value)
        {
            return Error(400, "INVALID_PARAMETER_VALUE", $"Changing param values is not allowed. Param with key='{key}' was already logged with value='{old}' for run ID='{run.Id}'. Attempted logging new value '{value}'.");
        }

        run.Parameters[key] = value;
        return Ok();
    }

    private static IResult LogMetric(FakeRun run, JsonObject body)
    {
        var key = body["key"]?.GetValue<string>();
        if (key == null || body["value"] == null || body["timestamp"] == null)
        {
            return Error(400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'key', 'value' or 'timestamp'.");
        }

        run.Metrics[key] = body["value"]!.GetValue<double>();
        run.MetricHistory.TryAdd(key, []);
        run.MetricHistory[key].Add(run.Metrics[key]);
        return Ok();
    }

    /// <summary>As MLflow 3.x: an absent max_results is read as 0 and the history comes back empty (protobuf JSON omits the empty list).</summary>
    private static IResult MetricHistory(FakeRun run, string key, string maxResults)
    {
        var limit = int.TryParse(maxResults, out var parsed) ? parsed : 0;
        var values = run.MetricHistory.GetValueOrDefault(key) ?? [];
        var answer = new JsonObject();
        if (limit > 0 && values.Count > 0)
        {
            answer["metrics"] = new JsonArray([.. values.Take(limit).Select(value => (JsonNode)new JsonObject { ["key"] = key, ["value"] = value, ["step"] = 0 })]);
        }

        return Ok(answer);
    }

    private IResult UploadArtifact(string path, byte[] content)
    {
        if (_uploadForbidden is var (email, bucket))
        {
            return Error(500, "INTERNAL_ERROR",
                $"403 POST https://storage.googleapis.com/upload/storage/v1/b/{bucket}/o?uploadType=multipart: {{\n  \"error\": {{\n    \"code\": 403,\n    \"message\": \"{email} does not have storage.objects.create access to the Google Cloud Storage object. Permission 'storage.objects.create' denied on resource (or it may not exist).\",\n    \"errors\": [{{ \"domain\": \"global\", \"reason\": \"forbidden\" }}]\n  }}\n}}: ('Request failed with status code', 403, 'Expected one of', <HTTPStatus.OK: 200>)");
        }

        _artifacts[path] = content;
        return Ok();
    }
}

public sealed record MlflowRequest(string Method, string Path, string Query, string Host, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public override string ToString() => $"{Method} {Path}";
}

public sealed class FakeExperiment(string id, string name)
{
    public string Id { get; } = id;

    public string Name { get; } = name;

    public bool Deleted { get; set; }

    public JsonObject ToJson() => new()
    {
        ["experiment_id"] = Id,
        ["name"] = Name,
        ["artifact_location"] = $"mlflow-artifacts:/{Id}",
        ["lifecycle_stage"] = Deleted ? "deleted" : "active",
    };
}

public sealed class FakeRun(string id, string experimentId, string name, long startTime)
{
    public string Id { get; } = id;

    public string ExperimentId { get; } = experimentId;

    public string Name { get; } = name;

    public bool Deleted { get; set; }

    public Dictionary<string, string> Parameters { get; } = [];

    public Dictionary<string, double> Metrics { get; } = [];

    /// <summary>Every value logged per metric key, in order.</summary>
    public Dictionary<string, List<double>> MetricHistory { get; } = [];

    public JsonObject ToJson() => new()
    {
        ["info"] = new JsonObject
        {
            ["run_id"] = Id,
            ["run_uuid"] = Id,
            ["run_name"] = Name,
            ["experiment_id"] = ExperimentId,
            ["status"] = "RUNNING",
            ["start_time"] = startTime,
            ["artifact_uri"] = $"mlflow-artifacts:/{ExperimentId}/{Id}/artifacts",
            ["lifecycle_stage"] = Deleted ? "deleted" : "active",
        },
        ["data"] = new JsonObject
        {
            ["params"] = new JsonArray([.. Parameters.Select(pair => (JsonNode)new JsonObject { ["key"] = pair.Key, ["value"] = pair.Value })]),
            ["metrics"] = new JsonArray([.. Metrics.Select(pair => (JsonNode)new JsonObject { ["key"] = pair.Key, ["value"] = pair.Value, ["step"] = 0 })]),
        },
    };
}
