using System.Net;
using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;
using Polly;
using Polly.Retry;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// Reads objects straight from the API server, in the process: no kubectl start per read. Objects come back as
/// kubectl -o json prints them (list items carry kind and apiVersion). Transient answers (429, 5xx, a refused or
/// reset connection) are retried as <see cref="Kubectl"/> retries them; other errors become a <see cref="KubectlException"/>.
/// </summary>
public sealed class KubeApi
{
    private readonly KubeConnection _connection;
    private readonly string _namespace;
    private readonly string _context;
    private readonly KubectlRetry _retry;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public KubeApi(KubeConnection connection, string context, string kubeNamespace, KubectlRetry retry, ICakeLog log)
    {
        _connection = connection;
        _context = context;
        _namespace = kubeNamespace;
        _retry = retry;
        var options = new RetryStrategyOptions<HttpResponseMessage>
        {
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .HandleResult(response => response.StatusCode is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError)
                .Handle<HttpRequestException>()
                .Handle<TaskCanceledException>(exception => exception.InnerException is TimeoutException),
            OnRetry = arguments =>
            {
                var answer = arguments.Outcome.Result is { } response ? $"{(int)response.StatusCode} ({response.StatusCode})" : arguments.Outcome.Exception?.Message;
                log.Warning("Kubernetes API: {0}. Retry {1} of {2} in {3:0.0}s.", answer, arguments.AttemptNumber + 1, retry.MaxRetries, arguments.RetryDelay.TotalSeconds);
                arguments.Outcome.Result?.Dispose();
                return ValueTask.CompletedTask;
            },
        };
        retry.Configure(options);
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>().AddRetry(options).Build();
    }

    /// <summary>The object, or null when it does not exist.</summary>
    public async Task<JsonObject?> GetAsync(string resource, string name, CancellationToken cancellationToken)
    {
        var type = KubeResource.Named(resource);
        return await ReadAsync($"{type.Path(_namespace)}/{Uri.EscapeDataString(name)}", $"get {resource} {name}", cancellationToken);
    }

    /// <summary>
    /// Items of one or more resource types (comma-separated) in the namespace that match the selectors. A custom resource
    /// the cluster does not serve (its CRD is not installed) has none.
    /// </summary>
    public async Task<IReadOnlyList<JsonObject>> ListAsync(string resources, string? labelSelector, string? fieldSelector, CancellationToken cancellationToken)
    {
        var query = string.Join('&', new[] { ("labelSelector", labelSelector), ("fieldSelector", fieldSelector) }
            .Where(pair => pair.Item2 != null)
            .Select(pair => $"{pair.Item1}={Uri.EscapeDataString(pair.Item2!)}"));
        var items = new List<JsonObject>();
        foreach (var type in resources.Split(',').Select(KubeResource.Named))
        {
            var list = await ReadAsync(type.Path(_namespace) + (query.Length > 0 ? $"?{query}" : string.Empty), $"get {type.Plural}", cancellationToken);
            if (list == null && !type.IsCustom)
            {
                throw new InvalidOperationException($"The API server has no {type.Plural} in {type.ApiVersion}.");
            }

            foreach (var item in list?["items"]?.AsArray().OfType<JsonObject>() ?? [])
            {
                item["kind"] = type.Kind;
                item["apiVersion"] = type.ApiVersion;
                items.Add(item);
            }
        }

        return items;
    }

    /// <summary>Creates <paramref name="item"/>; a <see cref="KubectlException"/> that <see cref="KubectlException.IsAlreadyExists"/> when it exists.</summary>
    public Task<JsonObject> CreateAsync(string resource, JsonObject item, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Post, KubeResource.Named(resource).Path(_namespace), item, $"create {resource}", cancellationToken);

    /// <summary>Replaces the object with <paramref name="item"/>, conditional on its resourceVersion: <see cref="KubectlException.IsConflict"/> when that is no longer the live one.</summary>
    public Task<JsonObject> ReplaceAsync(string resource, string name, JsonObject item, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Put, $"{KubeResource.Named(resource).Path(_namespace)}/{Uri.EscapeDataString(name)}", item, $"replace {resource} {name}", cancellationToken);

    /// <summary>
    /// A container's log, as kubectl logs prints it: exit code 0 and the text, or 1 and the server's reason (a container
    /// that has not started, a pod that is gone).
    /// </summary>
    public async Task<KubectlResult> LogsAsync(string pod, string? container, int? tailLines, bool previous, CancellationToken cancellationToken)
    {
        var query = string.Join('&', new[]
        {
            container == null ? null : $"container={Uri.EscapeDataString(container)}",
            tailLines == null ? null : $"tailLines={tailLines}",
            previous ? "previous=true" : null,
        }.OfType<string>());
        var path = $"{KubeResource.Named("pods").Path(_namespace)}/{Uri.EscapeDataString(pod)}/log" + (query.Length > 0 ? $"?{query}" : string.Empty);
        using var response = await SendAsync(HttpMethod.Get, path, null, $"logs {pod}", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode ? new KubectlResult(0, body, string.Empty) : new KubectlResult(1, string.Empty, ErrorOf(response, body));
    }

    private static string ErrorOf(HttpResponseMessage response, string body)
    {
        var status = body.StartsWith('{') ? JsonNode.Parse(body) as JsonObject : null;
        return $"Error from server ({status?["reason"] ?? response.StatusCode.ToString()}): {status?["message"] ?? body}";
    }

    private async Task<JsonObject?> ReadAsync(string path, string what, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, path, null, what, cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ObjectOfAsync(response, what, cancellationToken);
    }

    private async Task<JsonObject> WriteAsync(HttpMethod method, string path, JsonObject item, string what, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, item.ToJsonString(), what, cancellationToken);
        return await ObjectOfAsync(response, what, cancellationToken);
    }

    private static async Task<JsonObject> ObjectOfAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var error = ErrorOf(response, body);
            throw new KubectlException($"kubectl {what} failed: {error}", new KubectlResult(1, string.Empty, error));
        }

        return JsonNode.Parse(body)!.AsObject();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json, string what, CancellationToken cancellationToken)
    {
        var uri = new Uri(_connection.Server, path);
        try
        {
            var response = await _pipeline.ExecuteAsync(
                async token =>
                {
                    using var request = new HttpRequestMessage(method, uri);
                    if (json != null)
                    {
                        request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
                    }

                    request.Headers.Authorization = await _connection.AuthorizationAsync(token);
                    return await _connection.Http.SendAsync(request, token);
                },
                cancellationToken);
            if (response.StatusCode is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError)
            {
                response.Dispose();
                throw Unreachable(what, $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            return response;
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw Unreachable(what, exception.Message);
        }
    }

    private KubectlException Unreachable(string what, string detail) =>
        new(
            $"kubectl {what} kept failing after {_retry.MaxRetries + 1} attempts: {detail}. "
            + $"The API server of kube context '{_context}' is unreachable or overloaded; check `kubectl --context {_context} cluster-info` and run the step again.",
            new KubectlResult(1, string.Empty, detail));
}

/// <summary>The API types the suite reads (and the Lease it writes), by the names kubectl accepts for them.</summary>
public sealed record KubeResource(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    /// <summary>Defined by a CustomResourceDefinition (GKE's, Managed Prometheus's): a cluster may not serve it.</summary>
    public bool IsCustom { get; private init; }

    private static readonly KubeResource[] Known =
    [
        new(string.Empty, "v1", "namespaces", "Namespace", false),
        new(string.Empty, "v1", "serviceaccounts", "ServiceAccount", true),
        new(string.Empty, "v1", "secrets", "Secret", true),
        new(string.Empty, "v1", "configmaps", "ConfigMap", true),
        new(string.Empty, "v1", "services", "Service", true),
        new(string.Empty, "v1", "pods", "Pod", true),
        new(string.Empty, "v1", "events", "Event", true),
        new(string.Empty, "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true),
        new("apps", "v1", "deployments", "Deployment", true),
        new("apps", "v1", "statefulsets", "StatefulSet", true),
        new("batch", "v1", "jobs", "Job", true),
        new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true),
        new("networking.k8s.io", "v1", "ingresses", "Ingress", true),
        new("networking.gke.io", "v1", "managedcertificates", "ManagedCertificate", true) { IsCustom = true },
        new("networking.gke.io", "v1beta1", "frontendconfigs", "FrontendConfig", true) { IsCustom = true },
        new("cloud.google.com", "v1", "backendconfigs", "BackendConfig", true) { IsCustom = true },
        new("monitoring.googleapis.com", "v1", "podmonitorings", "PodMonitoring", true) { IsCustom = true },
        new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true),
        new("coordination.k8s.io", "v1", "leases", "Lease", true),
    ];

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>"namespace", "secrets", "deployment.apps", "networkpolicies.networking.k8s.io": singular or plural, with or without the group.</summary>
    public static KubeResource Named(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var (type, group) = dot < 0 ? (name, (string?)null) : (name[..dot], name[(dot + 1)..]);
        return Known.FirstOrDefault(known => (group == null || known.Group == group)
                && (known.Plural == type || known.Kind.Equals(type, StringComparison.OrdinalIgnoreCase)))
            ?? throw new InvalidOperationException($"The suite does not read '{name}'; add it to {nameof(KubeResource)}.");
    }

    public string Path(string kubeNamespace) =>
        (Group.Length == 0 ? "api/v1" : $"apis/{Group}/{Version}") + (Namespaced ? $"/namespaces/{Uri.EscapeDataString(kubeNamespace)}" : string.Empty) + $"/{Plural}";
}
