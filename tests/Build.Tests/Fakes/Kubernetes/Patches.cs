using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.Fakes.Kubernetes;

/// <summary>
/// The three PATCH bodies kubectl sends. JSON merge patch (RFC 7386: maps merge, null deletes, lists replace)
/// for annotate/label; strategic merge patch (lists of containers, env, ports, volumes… merge by their key);
/// and server-side apply, which this double approximates as a strategic merge of the applied configuration
/// onto the live object: fields owned by other managers (such as an annotation another step set) survive,
/// but fields a manager stops applying are not removed (no managedFields bookkeeping).
/// </summary>
public static class Patches
{
    // patchMergeKey of the list fields in the core and apps types our manifests use.
    private static readonly Dictionary<string, string[]> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = ["name"],
        ["initContainers"] = ["name"],
        ["env"] = ["name"],
        ["volumes"] = ["name"],
        ["volumeMounts"] = ["mountPath"],
        ["imagePullSecrets"] = ["name"],
        ["ports"] = ["containerPort", "port"],
        ["conditions"] = ["type"],
    };

    public static JsonObject MergePatch(JsonObject target, JsonObject patch) => (JsonObject)Merge(target.DeepClone(), patch, strategic: false);

    public static JsonObject StrategicMerge(JsonObject target, JsonObject patch) => (JsonObject)Merge(target.DeepClone(), patch, strategic: true);

    private static JsonNode Merge(JsonNode target, JsonNode patch, bool strategic)
    {
        if (patch is not JsonObject patchObject || target is not JsonObject targetObject)
        {
            return patch.DeepClone();
        }

        foreach (var (key, value) in patchObject)
        {
            if (key.StartsWith('$'))
            {
                continue; // strategic-merge directives ($setElementOrder, $retainKeys): ordering only here
            }

            if (value == null)
            {
                targetObject.Remove(key);
            }
            else if (strategic && value is JsonArray patchList && targetObject[key] is JsonArray liveList && MergeKeys.TryGetValue(key, out var keys))
            {
                targetObject[key] = MergeList(liveList, patchList, keys);
            }
            else
            {
                targetObject[key] = targetObject[key] is { } existing ? Merge(existing, value, strategic) : value.DeepClone();
            }
        }

        return targetObject;
    }

    private static JsonArray MergeList(JsonArray live, JsonArray patch, string[] keys)
    {
        var merged = new JsonArray(live.Select(item => item?.DeepClone()).ToArray());
        foreach (var item in patch.OfType<JsonObject>())
        {
            var key = keys.FirstOrDefault(name => item[name] != null);
            var match = key == null ? null : merged.OfType<JsonObject>().FirstOrDefault(existing => JsonNode.DeepEquals(existing[key], item[key]));
            if (match == null)
            {
                merged.Add(item.DeepClone());
            }
            else if (item["$patch"]?.GetValue<string>() == "delete")
            {
                merged.Remove(match);
            }
            else
            {
                merged[merged.IndexOf(match)] = Merge(match.DeepClone(), item, strategic: true);
            }
        }

        return merged;
    }
}
