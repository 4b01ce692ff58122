using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MlflowGke.Build.Tests.Fakes.Kubernetes;

/// <summary>One request as the double saw it, with the credentials it carried (the Authorization header).</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string? ContentType, int Status, string? Authorization = null)
{
    /// <summary>A write that reached storage: not a read, and not a server-side dry run.</summary>
    public bool IsMutation => Method is "POST" or "PUT" or "PATCH" or "DELETE" && !Query.Contains("dryRun=All", StringComparison.Ordinal);

    /// <summary>When the double answered it (<see cref="System.Diagnostics.Stopwatch"/> ticks), to order requests across doubles.</summary>
    public long Timestamp { get; init; } = System.Diagnostics.Stopwatch.GetTimestamp();

    public override string ToString() => $"{Method} {Path}{Query} -> {Status}";
}

/// <summary>
/// An in-process kube-apiserver for the real kubectl (1.32): answers on http://127.0.0.1:PORT with /version,
/// legacy discovery (Discovery/*.json), a stub /openapi/v3, CRUD with label and field selectors, JSON merge /
/// strategic merge / server-side apply patches, dry runs, watches, pod logs, events and Status errors; a
/// <see cref="WorkloadController"/> plays controllers and kubelet. Faults on request: <see cref="FailNextRequests"/>
/// answers 503 (no Retry-After, so client-go does not retry it itself), <see cref="GoDownAfterMutations"/> refuses
/// everything after a number of writes (a deploy stops there, as if killed), and <see cref="ResponseDelay"/> slows answers.
/// </summary>
public sealed class FakeKubeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private int _failuresLeft;
    private int _inFlight;
    private int _mutationsBeforeOutage = -1;

    private FakeKubeApiServer(WebApplication app, IReadOnlySet<string> unservedGroups)
    {
        _app = app;
        Catalog = new ResourceCatalog(unservedGroups);
        Store = new ObjectStore();
        Controller = new WorkloadController(Store, Catalog, _stopping.Token);
    }

    public Uri Uri => new(_app.Urls.First());

    public ResourceCatalog Catalog { get; }

    public ObjectStore Store { get; }

    public WorkloadController Controller { get; }

    public TimeSpan ResponseDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Requests received and not answered yet (held by <see cref="ResponseDelay"/>, or a watch).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Writes to what a deploy owns; the deploy lock's Lease is bookkeeping every mutating run writes, so it is left out (see <see cref="AllMutations"/>).</summary>
    public IReadOnlyList<RecordedRequest> Mutations => AllMutations.Where(request => !request.Path.Contains("/apis/coordination.k8s.io/", StringComparison.Ordinal)).ToList();

    public IReadOnlyList<RecordedRequest> AllMutations => Requests.Where(request => request.IsMutation).ToList();

    /// <param name="unservedGroups">API groups left out, as on a cluster without their CRDs (GKE's, Managed Prometheus's).</param>
    public static async Task<FakeKubeApiServer> StartAsync(params string[] unservedGroups)
    {
        var app = LoopbackWebApplication.Create();
        var server = new FakeKubeApiServer(app, unservedGroups.ToHashSet(StringComparer.Ordinal));
        app.Run(server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>The next <paramref name="count"/> resource requests (not discovery) answer 503 ServiceUnavailable.</summary>
    public void FailNextRequests(int count) => Interlocked.Exchange(ref _failuresLeft, count);

    /// <summary>
    /// Once <paramref name="mutations"/> more writes have been stored, every resource request answers 403 until
    /// <see cref="ComeBack"/>: a permanent error that nobody retries, so the deploy stops right after that write, as if killed there.
    /// </summary>
    public void GoDownAfterMutations(int mutations) => Interlocked.Exchange(ref _mutationsBeforeOutage, mutations);

    public void ComeBack() => Interlocked.Exchange(ref _mutationsBeforeOutage, -1);

    public JsonObject? Get(string kind, string? ns, string name) => Store.Get(Catalog.ByKind(kind), ns, name);

    /// <summary>Puts an object straight into storage, as if someone else had created it.</summary>
    public JsonObject Seed(JsonObject item)
    {
        var type = Catalog.ByKind(item["kind"]!.GetValue<string>());
        var metadata = item["metadata"]!;
        return Store.Write(type, metadata["namespace"]?.GetValue<string>(), metadata["name"]!.GetValue<string>(), _ => item).Stored!;
    }

    /// <summary>A kubeconfig whose contexts all point at this server; <paramref name="currentContext"/> is selected.</summary>
    public void WriteKubeconfig(string path, string currentContext, params string[] otherContexts)
    {
        var contexts = new[] { currentContext }.Concat(otherContexts).ToList();
        var text = new StringBuilder("apiVersion: v1\nkind: Config\nclusters:\n");
        foreach (var context in contexts)
        {
            text.Append(CultureInfo.InvariantCulture, $"- name: {context}\n  cluster:\n    server: {Uri.ToString().TrimEnd('/')}\n");
        }

        text.Append("users:\n- name: test-user\n  user: {}\ncontexts:\n");
        foreach (var context in contexts)
        {
            text.Append(CultureInfo.InvariantCulture, $"- name: {context}\n  context:\n    cluster: {context}\n    user: test-user\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"current-context: {currentContext}\n");
        File.WriteAllText(path, text.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>Errors are metav1.Status objects; kubectl prints "Error from server (REASON): MESSAGE".</summary>
    internal static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    internal static async Task WriteJsonAsync(HttpContext http, int status, JsonNode body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted);
    }

    private async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (ResponseDelay > TimeSpan.Zero)
            {
                await Task.Delay(ResponseDelay, http.RequestAborted);
            }

            var route = ApiRoute.Parse(request.Path.Value ?? "/", Catalog);
            if (route == null)
            {
                await ServeDiscoveryAsync(http);
            }
            else if (Volatile.Read(ref _mutationsBeforeOutage) == 0)
            {
                await WriteJsonAsync(http, 403, Status(403, "Forbidden", "fake apiserver: the deploy is interrupted here"));
            }
            else if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                await WriteJsonAsync(http, 503, Status(503, "ServiceUnavailable", "the server is currently unable to handle the request"));
            }
            else
            {
                await new ResourceHandler(this, http, route).HandleAsync();
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested || _stopping.IsCancellationRequested)
        {
            // client went away or the server stops: nothing to answer
        }
        catch (Exception exception) when (!http.Response.HasStarted)
        {
            // A bug in this double: say so in kubectl's error rather than as an empty 500.
            await WriteJsonAsync(http, 500, Status(500, "InternalError", $"fake apiserver: {exception}"));
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            var recorded = new RecordedRequest(request.Method, request.Path.Value ?? string.Empty, request.QueryString.Value ?? string.Empty, request.ContentType, http.Response.StatusCode, request.Headers.Authorization.FirstOrDefault());
            _requests.Enqueue(recorded);
            if (recorded.IsMutation && recorded.Status < 400 && Volatile.Read(ref _mutationsBeforeOutage) > 0)
            {
                Interlocked.Decrement(ref _mutationsBeforeOutage);
            }
        }
    }

    private async Task ServeDiscoveryAsync(HttpContext http)
    {
        var path = (http.Request.Path.Value ?? "/").TrimEnd('/');
        JsonNode? body = path switch
        {
            "/version" => ResourceCatalog.Load("version.json"),
            "/api" => ResourceCatalog.Load("api.json"),
            "/apis" => Catalog.Groups(),
            "/api/v1" => Catalog.ResourceList("v1"),
            "/openapi/v3" => Catalog.OpenApiRoot(),
            _ when path.StartsWith("/apis/", StringComparison.Ordinal) => Catalog.ResourceList(path["/apis/".Length..]),
            _ when path.StartsWith("/openapi/v3/", StringComparison.Ordinal) => Catalog.OpenApiGroupVersion(path["/openapi/v3/".Length..]),
            _ => null,
        };
        await WriteJsonAsync(http, body == null ? 404 : 200, body ?? Status(404, "NotFound", "the server could not find the requested resource"));
    }

    internal CancellationToken Stopping => _stopping.Token;
}
