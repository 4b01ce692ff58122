using System.Text.Json.Nodes;

namespace MlflowGke.Build.Google;

/// <summary>
/// An IAM policy as the API returned it. Only unconditional bindings are edited; conditional bindings,
/// audit configs and any field this code does not know travel back unchanged, with the etag.
/// </summary>
public sealed class IamPolicy
{
    /// <summary>Version 3 lets a policy with conditions round-trip without losing them.</summary>
    public const int Version = 3;

    private readonly JsonObject _json;

    public IamPolicy(JsonObject json)
    {
        _json = json;
    }

    public static IamPolicy Empty => new([]);

    private JsonArray Bindings => _json["bindings"] as JsonArray ?? (JsonArray)(_json["bindings"] = new JsonArray());

    public bool HasMember(string role, string member) =>
        UnconditionalBindings(role).Any(binding => Members(binding).Any(node => (string?)node == member));

    /// <summary>Adds <paramref name="member"/> to the unconditional binding of <paramref name="role"/>; false when it is already there.</summary>
    public bool AddMember(string role, string member)
    {
        if (HasMember(role, member))
        {
            return false;
        }

        var binding = UnconditionalBindings(role).FirstOrDefault();
        if (binding == null)
        {
            Bindings.Add(new JsonObject { ["role"] = role, ["members"] = new JsonArray(member) });
        }
        else
        {
            Members(binding).Add(member);
        }

        return true;
    }

    /// <summary>The policy to send back with setIamPolicy: everything as read, the etag included, at version 3.</summary>
    public JsonObject ToJson()
    {
        var copy = _json.DeepClone().AsObject();
        copy["version"] = Version;
        return copy;
    }

    private static JsonArray Members(JsonObject binding) => binding["members"] as JsonArray ?? (JsonArray)(binding["members"] = new JsonArray());

    private IEnumerable<JsonObject> UnconditionalBindings(string role) =>
        Bindings.OfType<JsonObject>().Where(binding => (string?)binding["role"] == role && binding["condition"] == null);
}
