using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace MlflowGke.Build.Tests.Fakes.Kubernetes;

/// <summary>One request to a resource URL: the apiserver's REST semantics for CRUD, patches, watch and logs.</summary>
internal sealed class ResourceHandler(FakeKubeApiServer server, HttpContext http, ApiRoute route)
{
    private static readonly TimeSpan DefaultWatchTimeout = TimeSpan.FromMinutes(30);

    private IQueryCollection Query => http.Request.Query;

    private bool DryRun => Query["dryRun"] == "All";

    private string NotFoundMessage => $"{route.QualifiedResource} \"{route.Name}\" not found";

    public async Task HandleAsync()
    {
        var method = http.Request.Method;
        if (method is "POST" or "PATCH" && route.Namespace != null && server.Store.Get(server.Catalog.ByKind("Namespace"), null, route.Namespace) == null)
        {
            // NamespaceLifecycle admission: nothing is created in a namespace that does not exist (dry runs included).
            await RespondAsync(404, Status(404, "NotFound", $"namespaces \"{route.Namespace}\" not found"));
            return;
        }

        var task = (method, route.Name, route.Subresource) switch
        {
            ("GET", null, _) when Query["watch"] is ["true"] or ["1"] => WatchAsync(),
            ("GET", null, _) => RespondAsync(200, ListObject()),
            ("GET", not null, "log") => LogsAsync(),
            ("GET", not null, null) => GetAsync(),
            ("POST", null, _) => CreateAsync(),
            ("PUT", not null, null) => ReplaceAsync(),
            ("PATCH", not null, null) => PatchAsync(),
            ("DELETE", not null, null) => DeleteAsync(),
            _ => RespondAsync(405, Status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")),
        };
        await task;
    }

    /// <summary>Server-side defaulting the suite depends on (rollout status needs a StatefulSet updateStrategy).</summary>
    private static JsonObject Defaults(JsonObject item)
    {
        var spec = item["spec"] as JsonObject;
        switch (item["kind"]?.GetValue<string>())
        {
            case "Deployment":
                spec!["replicas"] ??= 1;
                spec["progressDeadlineSeconds"] ??= 600;
                spec["revisionHistoryLimit"] ??= 10;
                spec["strategy"] ??= new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxSurge"] = "25%", ["maxUnavailable"] = "25%" } };
                break;
            case "StatefulSet":
                spec!["replicas"] ??= 1;
                spec["podManagementPolicy"] ??= "OrderedReady";
                spec["updateStrategy"] ??= new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["partition"] = 0 } };
                break;
            case "Job":
                // The API server's Job defaulting; it selects pods by controller-uid, this double by job-name.
                var jobName = item["metadata"]!["name"]!.GetValue<string>();
                spec!["backoffLimit"] ??= 6;
                spec["completions"] ??= 1;
                spec["parallelism"] ??= 1;
                spec["selector"] ??= new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/job-name"] = jobName } };
                var templateMetadata = spec["template"]!["metadata"] as JsonObject ?? [];
                spec["template"]!["metadata"] = templateMetadata;
                var podLabels = templateMetadata["labels"] as JsonObject ?? [];
                templateMetadata["labels"] = podLabels;
                podLabels["batch.kubernetes.io/job-name"] ??= jobName;
                podLabels["job-name"] ??= jobName;
                break;
            case "Service":
                spec!["type"] ??= "ClusterIP";
                spec["clusterIP"] ??= $"10.96.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}";
                foreach (var port in spec["ports"]?.AsArray().OfType<JsonObject>() ?? [])
                {
                    port["protocol"] ??= "TCP";
                    port["targetPort"] ??= port["port"]!.DeepClone();
                }

                break;
            case "Secret" when item["stringData"] is JsonObject stringData:
                var data = item["data"] as JsonObject ?? [];
                foreach (var (key, value) in stringData)
                {
                    data[key] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value!.GetValue<string>()));
                }

                item["data"] = data;
                item.Remove("stringData");
                break;
            case "Namespace":
                item["status"] ??= new JsonObject { ["phase"] = "Active" };
                break;
        }

        return item;
    }

    private static JsonObject Status(int code, string reason, string message) => FakeKubeApiServer.Status(code, reason, message);

    private Task RespondAsync(int status, JsonNode body) => FakeKubeApiServer.WriteJsonAsync(http, status, body);

    private async Task<JsonObject?> ReadBodyAsync()
    {
        using var reader = new StreamReader(http.Request.Body);
        var text = await reader.ReadToEndAsync(http.RequestAborted);
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null; // protobuf or YAML bodies: this double speaks JSON only
        }
    }

    private bool Matches(JsonObject item) => Selectors.Matches(item, Query["labelSelector"], Query["fieldSelector"]);

    private JsonObject ListObject() => new()
    {
        ["kind"] = $"{route.Type.Kind}List",
        ["apiVersion"] = route.Type.ApiVersion,
        ["metadata"] = new JsonObject { ["resourceVersion"] = server.Store.ResourceVersion.ToString(CultureInfo.InvariantCulture) },
        ["items"] = new JsonArray(server.Store.List(route.Type, route.Namespace).Where(Matches).Select(item => (JsonNode)item).ToArray()),
    };

    private Task GetAsync()
    {
        var item = server.Store.Get(route.Type, route.Namespace, route.Name!);
        return item == null ? RespondAsync(404, Status(404, "NotFound", NotFoundMessage)) : RespondAsync(200, item);
    }

    private async Task CreateAsync()
    {
        var body = await ReadBodyAsync();
        if (body == null)
        {
            await RespondAsync(415, Status(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json (got {http.Request.ContentType})"));
            return;
        }

        var name = body["metadata"]?["name"]?.GetValue<string>() ?? string.Empty;
        var alreadyExists = false;
        var (stored, _) = Write(name, live =>
        {
            alreadyExists = live != null;
            return alreadyExists ? null : Prepare(body, live);
        });
        await (alreadyExists
            ? RespondAsync(409, Status(409, "AlreadyExists", $"{route.QualifiedResource} \"{name}\" already exists"))
            : RespondAsync(201, stored!));
    }

    /// <summary>Optimistic concurrency: a body carrying a resourceVersion other than the live one is refused with 409 Conflict.</summary>
    private async Task ReplaceAsync()
    {
        var body = await ReadBodyAsync();
        var conflict = false;
        var (stored, _) = Write(route.Name!, live =>
        {
            conflict = live != null && IsStale(body, live);
            return live == null || body == null || conflict ? null : Prepare(body, live);
        });
        await (conflict
            ? RespondAsync(409, Status(409, "Conflict", $"Operation cannot be fulfilled on {route.QualifiedResource} \"{route.Name}\": the object has been modified; please apply your changes to the latest version and try again"))
            : stored == null ? RespondAsync(404, Status(404, "NotFound", NotFoundMessage)) : RespondAsync(200, stored));
    }

    private static bool IsStale(JsonObject? body, JsonObject live) =>
        body?["metadata"]?["resourceVersion"]?.GetValue<string>() is { Length: > 0 } sent && sent != live["metadata"]!["resourceVersion"]!.GetValue<string>();

    private async Task PatchAsync()
    {
        var patch = await ReadBodyAsync();
        var contentType = http.Request.ContentType?.Split(';')[0];
        Func<JsonObject, JsonObject, JsonObject>? merge = contentType switch
        {
            "application/merge-patch+json" => Patches.MergePatch,
            "application/strategic-merge-patch+json" or "application/apply-patch+yaml" => Patches.StrategicMerge,
            _ => null,
        };
        if (patch == null || merge == null)
        {
            await RespondAsync(415, Status(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {contentType})"));
            return;
        }

        var applyCreates = contentType == "application/apply-patch+yaml";
        string? invalid = null;
        var (stored, _) = Write(route.Name!, live =>
        {
            if (live == null)
            {
                return applyCreates ? Prepare(patch, null) : null;
            }

            var updated = Prepare(merge(live, patch), live);
            invalid = ImmutableFieldChanged(live, updated);
            return invalid == null ? updated : null;
        });
        await (invalid != null ? RespondAsync(422, Status(422, "Invalid", invalid))
            : stored == null ? RespondAsync(404, Status(404, "NotFound", NotFoundMessage))
            : RespondAsync(200, stored));
    }

    /// <summary>
    /// Deletes the object; the garbage collector then removes what it owns, unless the propagationPolicy (query or
    /// DeleteOptions body) is Orphan. Without a policy a Job's pods are orphaned (batch/v1's legacy default), a
    /// Deployment's and StatefulSet's are not.
    /// </summary>
    private async Task DeleteAsync()
    {
        var options = await ReadBodyAsync();
        var policy = Query["propagationPolicy"].FirstOrDefault() ?? options?["propagationPolicy"]?.GetValue<string>()
            ?? (route.Type.Kind == "Job" ? "Orphan" : "Background");
        var removed = DryRun ? server.Store.Get(route.Type, route.Namespace, route.Name!) : server.Store.Delete(route.Type, route.Namespace, route.Name!);
        if (removed != null && !DryRun && route.Type.Kind is "Deployment" or "StatefulSet" or "Job" && policy != "Orphan")
        {
            server.Controller.DeleteOwned(removed);
        }

        await (removed == null ? RespondAsync(404, Status(404, "NotFound", NotFoundMessage)) : RespondAsync(200, removed));
    }

    /// <summary>The object as it would be stored: namespace from the URL, status kept from live for status-subresource kinds, defaults.</summary>
    private JsonObject Prepare(JsonObject body, JsonObject? live)
    {
        var item = body.DeepClone().AsObject();
        item["apiVersion"] = route.Type.ApiVersion;
        item["kind"] = route.Type.Kind;
        var metadata = item["metadata"] as JsonObject ?? [];
        item["metadata"] = metadata;
        metadata.Remove("managedFields");
        if (route.Namespace != null)
        {
            metadata["namespace"] = route.Namespace;
        }

        if (live != null)
        {
            metadata["uid"] = live["metadata"]!["uid"]!.DeepClone();
            metadata["creationTimestamp"] = live["metadata"]!["creationTimestamp"]!.DeepClone();
        }

        if (route.Type.HasStatusSubresource)
        {
            item.Remove("status");
            if (live?["status"] != null)
            {
                item["status"] = live["status"]!.DeepClone();
            }
        }

        return Defaults(item);
    }

    private (JsonObject? Stored, bool Changed) Write(string name, Func<JsonObject?, JsonObject?> change)
    {
        var result = server.Store.Write(route.Type, route.Namespace, name, change, DryRun);
        if (result.Changed && !DryRun && route.Type.Kind is "Deployment" or "StatefulSet")
        {
            server.Controller.Reconcile(route.Type, route.Namespace!, name);
            result = (server.Store.Get(route.Type, route.Namespace, name), true);
        }
        else if (result.Changed && !DryRun && route.Type.Kind == "Job")
        {
            server.Controller.ReconcileJob(route.Namespace!, name);
            result = (server.Store.Get(route.Type, route.Namespace, name), true);
        }

        return result;
    }

    /// <summary>A Job's pod template cannot change once created (422 Invalid, as the real validation answers).</summary>
    private string? ImmutableFieldChanged(JsonObject? live, JsonObject updated) =>
        route.Type.Kind == "Job" && live != null && !JsonNode.DeepEquals(live["spec"]?["template"], updated["spec"]?["template"])
            ? $"Job.batch \"{route.Name}\" is invalid: spec.template: Invalid value: {updated["spec"]?["template"]?.ToJsonString()}: field is immutable"
            : null;

    /// <summary>The container's logs; with previous=true those of its last terminated instance, as the kubelet keeps them.</summary>
    private async Task LogsAsync()
    {
        var pod = server.Store.Get(route.Type, route.Namespace, route.Name!);
        var previous = Query["previous"].FirstOrDefault() == "true";
        var lines = server.Controller.Logs(route.Name!, previous);
        if (pod == null || lines.Count == 0)
        {
            var container = Query["container"].FirstOrDefault() ?? pod?["spec"]?["containers"]?[0]?["name"]?.GetValue<string>();
            var waiting = pod?["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"]?.GetValue<string>() ?? "ContainerCreating";
            await (pod == null
                ? RespondAsync(404, Status(404, "NotFound", NotFoundMessage))
                : RespondAsync(400, Status(400, "BadRequest", previous
                    ? $"previous terminated container \"{container}\" in pod \"{route.Name}\" not found"
                    : $"container \"{container}\" in pod \"{route.Name}\" is waiting to start: {waiting}")));
            return;
        }

        var tail = int.TryParse(Query["tailLines"], CultureInfo.InvariantCulture, out var count) ? count : lines.Count;
        http.Response.ContentType = "text/plain";
        await http.Response.WriteAsync(string.Join('\n', lines.TakeLast(tail)) + "\n", http.RequestAborted);
    }

    /// <summary>Chunked, one {"type","object"} JSON document per line, held open until timeoutSeconds.</summary>
    private async Task WatchAsync()
    {
        var timeout = int.TryParse(Query["timeoutSeconds"], CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : DefaultWatchTimeout;
        var since = long.TryParse(Query["resourceVersion"], CultureInfo.InvariantCulture, out var version) && version > 0 ? version : (long?)null;
        var (backlog, future, unsubscribe) = server.Store.Subscribe(since ?? long.MaxValue);
        try
        {
            http.Response.StatusCode = 200;
            http.Response.ContentType = "application/json";
            await http.Response.StartAsync(http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted); // headers now: clients block until they arrive
            var initial = since == null
                ? server.Store.List(route.Type, route.Namespace).Select(item => ("ADDED", item))
                : backlog.Where(Relevant).Select(change => (change.Type, change.Object));
            foreach (var (type, item) in initial.Where(pair => Matches(pair.Item2)))
            {
                await SendAsync(type, item);
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, server.Stopping);
            stop.CancelAfter(timeout);
            try
            {
                await foreach (var change in future.ReadAllAsync(stop.Token))
                {
                    if (Relevant(change) && Matches(change.Object))
                    {
                        await SendAsync(change.Type, change.Object);
                    }
                }
            }
            catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
            {
                // timeoutSeconds reached or server stopping: end the stream cleanly
            }
        }
        finally
        {
            unsubscribe();
        }
    }

    private bool Relevant(WatchEvent change) => change.Resource == route.Type && (route.Namespace == null || change.Namespace == route.Namespace);

    private async Task SendAsync(string type, JsonObject item)
    {
        await http.Response.WriteAsync(new JsonObject { ["type"] = type, ["object"] = item }.ToJsonString() + "\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }
}
