using System.Text;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.Fakes.Google;

/// <summary>
/// IAM policies with the documented etag semantics: every write changes the etag, a write carrying a
/// stale etag answers 409 ABORTED, a write without an etag overwrites. Conditional bindings need version 3,
/// and a read at a lower version sees them renamed with the documented "_withcond_" suffix.
/// </summary>
public sealed class FakeIamPolicies
{
    private readonly Dictionary<string, (JsonObject Policy, int Revision)> _policies = [];

    public JsonObject Get(string resource, int requestedVersion)
    {
        var policy = Current(resource).Policy.DeepClone().AsObject();
        if (requestedVersion >= 3 || !HasConditions(policy))
        {
            return policy;
        }

        // A version 1 reader must not be able to write conditions back as unconditional bindings.
        foreach (var binding in Bindings(policy).Where(binding => binding["condition"] != null))
        {
            binding["role"] = $"{(string?)binding["role"]}_withcond_{Convert.ToHexString(Encoding.UTF8.GetBytes((string?)binding["condition"]?["title"] ?? "c"))[..8]}";
            binding.Remove("condition");
        }

        policy["version"] = 1;
        return policy;
    }

    /// <summary>Writes <paramref name="policy"/>; the caller has already validated its members.</summary>
    public JsonObject Set(string resource, JsonObject policy)
    {
        var (current, revision) = Current(resource);
        var etag = (string?)policy["etag"];
        if (etag != null && etag != (string?)current["etag"])
        {
            throw new GoogleErrorAnswer(GoogleError.EtagConflict());
        }

        var version = (int?)policy["version"] ?? 1;
        if (HasConditions(policy) && version < 3)
        {
            throw new GoogleErrorAnswer(GoogleError.InvalidArgument("Policies with conditions require version 3 or later."));
        }

        var stored = new JsonObject
        {
            ["version"] = HasConditions(policy) ? 3 : 1,
            ["etag"] = Etag(revision + 1),
            ["bindings"] = policy["bindings"]?.DeepClone() ?? new JsonArray(),
        };
        _policies[resource] = (stored, revision + 1);
        return stored.DeepClone().AsObject();
    }

    /// <summary>Another writer (a person, Terraform) adding a member: the etag changes under our feet.</summary>
    public void AddAsAnotherWriter(string resource, string role, string member)
    {
        var policy = Current(resource).Policy.DeepClone().AsObject();
        var binding = Bindings(policy).FirstOrDefault(item => (string?)item["role"] == role && item["condition"] == null);
        if (binding == null)
        {
            policy["bindings"] ??= new JsonArray();
            policy["bindings"]!.AsArray().Add(new JsonObject { ["role"] = role, ["members"] = new JsonArray(member) });
        }
        else
        {
            binding["members"]!.AsArray().Add(member);
        }

        Set(resource, policy);
    }

    /// <summary>Members of the unconditional binding of <paramref name="role"/>.</summary>
    public IReadOnlyList<string> Members(string resource, string role) =>
        Bindings(Current(resource).Policy).Where(binding => (string?)binding["role"] == role && binding["condition"] == null)
            .SelectMany(binding => binding["members"]!.AsArray().Select(member => (string)member!)).ToList();

    public IReadOnlyList<JsonObject> AllBindings(string resource) => Bindings(Current(resource).Policy).ToList();

    public IEnumerable<string> AllMembers(JsonObject policy) =>
        Bindings(policy).SelectMany(binding => binding["members"]?.AsArray().Select(member => (string)member!) ?? []);

    private static IEnumerable<JsonObject> Bindings(JsonObject policy) => (policy["bindings"] as JsonArray ?? []).OfType<JsonObject>();

    private static bool HasConditions(JsonObject policy) => Bindings(policy).Any(binding => binding["condition"] != null);

    private static string Etag(int revision) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"rev-{revision:D4}"));

    private (JsonObject Policy, int Revision) Current(string resource) =>
        _policies.TryGetValue(resource, out var current) ? current : (new JsonObject { ["version"] = 1, ["etag"] = "ACAB" }, 0);
}
