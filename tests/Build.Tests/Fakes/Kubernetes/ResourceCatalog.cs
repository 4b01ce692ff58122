using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.Fakes.Kubernetes;

/// <summary>A served resource type, as legacy discovery (an APIResourceList entry) describes it.</summary>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>URL prefix of the group-version: "api/v1" or "apis/GROUP/VERSION".</summary>
    public string GroupVersionPath => Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}";

    /// <summary>The API server ignores status in writes to these kinds: status belongs to the controllers.</summary>
    public bool HasStatusSubresource => Kind is "Deployment" or "StatefulSet" or "Job" or "Pod" or "Ingress";
}

/// <summary>
/// The canned discovery documents under Discovery/ (readable JSON, copied to the test output), and the stub
/// OpenAPI v3 derived from them. kubectl 1.32 validates with the server's fieldValidation parameter only when
/// /openapi/v3 shows, for the object's group-version-kind, a PATCH operation that lists it; with both OpenAPI
/// endpoints missing it refuses to apply unless --validate=false.
/// </summary>
public sealed class ResourceCatalog
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fakes", "Kubernetes", "Discovery");

    private readonly Dictionary<string, JsonObject> _resourceLists = new(StringComparer.Ordinal);

    private readonly IReadOnlySet<string> _unservedGroups;

    /// <param name="unservedGroups">API groups this cluster does not serve, as one without a CRD installed (e.g. networking.gke.io).</param>
    public ResourceCatalog(IReadOnlySet<string> unservedGroups)
    {
        _unservedGroups = unservedGroups;
        foreach (var file in Directory.GetFiles(Folder, "api*-*.json"))
        {
            var list = Load(Path.GetFileName(file));
            var groupVersion = list["groupVersion"]!.GetValue<string>();
            if (!unservedGroups.Contains(groupVersion.Split('/')[0]))
            {
                _resourceLists[groupVersion] = list;
            }
        }

        Types = _resourceLists.Values.SelectMany(list =>
        {
            var groupVersion = list["groupVersion"]!.GetValue<string>();
            var (group, version) = groupVersion.Contains('/') ? (groupVersion.Split('/')[0], groupVersion.Split('/')[1]) : (string.Empty, groupVersion);
            return list["resources"]!.AsArray()
                .Select(resource => resource!.AsObject())
                .Where(resource => !resource["name"]!.GetValue<string>().Contains('/'))
                .Select(resource => new ResourceType(group, version, resource["name"]!.GetValue<string>(), resource["kind"]!.GetValue<string>(), resource["namespaced"]!.GetValue<bool>()));
        }).ToList();
    }

    public IReadOnlyList<ResourceType> Types { get; }

    public static JsonObject Load(string fileName) => JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, fileName)))!.AsObject();

    /// <summary>GET /apis: the served groups.</summary>
    public JsonObject Groups()
    {
        var groups = Load("apis.json");
        var served = groups["groups"]!.AsArray().Where(group => !_unservedGroups.Contains(group!["name"]!.GetValue<string>())).Select(group => group!.DeepClone());
        groups["groups"] = new JsonArray([.. served]);
        return groups;
    }

    public JsonObject? ResourceList(string groupVersion) => _resourceLists.GetValueOrDefault(groupVersion)?.DeepClone().AsObject();

    public ResourceType? Find(string group, string version, string plural) =>
        Types.FirstOrDefault(type => type.Group == group && type.Version == version && type.Plural == plural);

    public ResourceType ByKind(string kind) => Types.Single(type => type.Kind == kind);

    /// <summary>GET /openapi/v3: one entry per group-version.</summary>
    public JsonObject OpenApiRoot()
    {
        var paths = new JsonObject();
        foreach (var groupVersionPath in Types.Select(type => type.GroupVersionPath).Distinct())
        {
            paths[groupVersionPath] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{groupVersionPath}?hash=fake" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>GET /openapi/v3/api/v1 etc.: per kind one PATCH path that accepts fieldValidation, and no schemas.</summary>
    public JsonObject? OpenApiGroupVersion(string groupVersionPath)
    {
        var types = Types.Where(type => type.GroupVersionPath == groupVersionPath).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        foreach (var type in types)
        {
            var scope = type.Namespaced ? "namespaces/{namespace}/" : string.Empty;
            paths[$"/{groupVersionPath}/{scope}{type.Plural}/{{name}}"] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind },
                    ["parameters"] = new JsonArray(
                        new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
                        new JsonObject { ["name"] = "fieldManager", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
                        new JsonObject { ["name"] = "dryRun", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } }),
                },
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes (fake)", ["version"] = "v1.32.4" },
            ["paths"] = paths,
        };
    }
}
