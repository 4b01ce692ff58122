using System.Globalization;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// A container's environment as the kubelet builds it: the service links of the namespace's Services first (unless
/// <c>enableServiceLinks: false</c>), then <c>envFrom</c>, then <c>env</c> in order — literal values expanded against
/// the variables defined before them, <c>configMapKeyRef</c>/<c>secretKeyRef</c> values taken as they are.
/// </summary>
public static class ContainerEnvironment
{
    public static IReadOnlyDictionary<string, string> Resolve(JsonObject podSpec, JsonObject container, string ns, AppliedObjects objects)
    {
        IReadOnlyDictionary<string, string> services = podSpec["enableServiceLinks"]?.GetValue<bool>() == false ? new Dictionary<string, string>() : ServiceLinks(ns, objects);
        var defined = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container["envFrom"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var prefix = source["prefix"]?.GetValue<string>() ?? string.Empty;
            var (kind, reference) = source["configMapRef"] is JsonObject configMap ? ("ConfigMap", configMap) : ("Secret", source["secretRef"]!.AsObject());
            var data = objects.Data(kind, ns, reference["name"]!.GetValue<string>());
            if (data == null)
            {
                ThrowUnlessOptional(kind, ns, reference, key: null);
                continue;
            }

            foreach (var (key, value) in data)
            {
                defined[prefix + key] = value;
            }
        }

        foreach (var variable in container["env"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var name = variable["name"]!.GetValue<string>();
            var value = variable["valueFrom"] is JsonObject from
                ? KeyReference(from, ns, objects)
                : KubeletExpansion.Expand(variable["value"]?.GetValue<string>() ?? string.Empty, key => defined.GetValueOrDefault(key) ?? services.GetValueOrDefault(key));
            if (value != null)
            {
                defined[name] = value;
            }
        }

        var environment = new Dictionary<string, string>(services, StringComparer.Ordinal);
        foreach (var (name, value) in defined)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>The Docker-links variables the kubelet adds for each Service with a cluster IP (NAME_SERVICE_HOST, NAME_PORT, …).</summary>
    public static IReadOnlyDictionary<string, string> ServiceLinks(string ns, AppliedObjects objects)
    {
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        var services = objects.All("Service", ns).OrderBy(service => service["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal).ToList();
        for (var index = 0; index < services.Count; index++)
        {
            var spec = services[index]["spec"]?.AsObject() ?? [];
            var clusterIp = spec["clusterIP"]?.GetValue<string>() ?? $"10.96.0.{index + 10}";
            var ports = spec["ports"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
            if (clusterIp == "None" || ports.Count == 0)
            {
                continue;
            }

            var prefix = services[index]["metadata"]!["name"]!.GetValue<string>().ToUpperInvariant().Replace('-', '_');
            links[$"{prefix}_SERVICE_HOST"] = clusterIp;
            links[$"{prefix}_SERVICE_PORT"] = Port(ports[0]);
            foreach (var port in ports.Where(port => port["name"] != null))
            {
                links[$"{prefix}_SERVICE_PORT_{port["name"]!.GetValue<string>().ToUpperInvariant().Replace('-', '_')}"] = Port(port);
            }

            links[$"{prefix}_PORT"] = $"{Protocol(ports[0]).ToLowerInvariant()}://{clusterIp}:{Port(ports[0])}";
            foreach (var port in ports)
            {
                var protocol = Protocol(port);
                var key = $"{prefix}_PORT_{Port(port)}_{protocol}";
                links[key] = $"{protocol.ToLowerInvariant()}://{clusterIp}:{Port(port)}";
                links[$"{key}_PROTO"] = protocol.ToLowerInvariant();
                links[$"{key}_PORT"] = Port(port);
                links[$"{key}_ADDR"] = clusterIp;
            }
        }

        return links;
    }

    private static string? KeyReference(JsonObject from, string ns, AppliedObjects objects)
    {
        var (kind, reference) = from["configMapKeyRef"] is JsonObject configMap ? ("ConfigMap", configMap)
            : from["secretKeyRef"] is JsonObject secret ? ("Secret", secret)
            : throw new NotSupportedException($"env valueFrom {from.ToJsonString()} is not run locally (only configMapKeyRef and secretKeyRef)");
        var key = reference["key"]!.GetValue<string>();
        var data = objects.Data(kind, ns, reference["name"]!.GetValue<string>());
        if (data != null && data.TryGetValue(key, out var value))
        {
            return value;
        }

        ThrowUnlessOptional(kind, ns, reference, key);
        return null;
    }

    /// <summary>An optional reference that is missing defines nothing; a required one stops the container as CreateContainerConfigError does.</summary>
    private static void ThrowUnlessOptional(string kind, string ns, JsonObject reference, string? key)
    {
        if (reference["optional"]?.GetValue<bool>() == true)
        {
            return;
        }

        var name = reference["name"]!.GetValue<string>();
        throw new InvalidOperationException(key == null
            ? $"CreateContainerConfigError: {kind.ToLowerInvariant()} \"{name}\" not found in namespace {ns}"
            : $"CreateContainerConfigError: couldn't find key {key} in {kind} {ns}/{name}");
    }

    private static string Port(JsonObject port) => port["port"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture);

    private static string Protocol(JsonObject port) => port["protocol"]?.GetValue<string>() ?? "TCP";
}
