using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MlflowGke.Build.Tests.Fakes.Kubernetes;

/// <summary>labelSelector (k=v, k!=v, k in (a,b), k notin (a,b), k, !k) and fieldSelector (dotted.path=value, !=).</summary>
public static partial class Selectors
{
    public static bool Matches(JsonObject item, string? labelSelector, string? fieldSelector) =>
        Split(labelSelector).All(requirement => MatchesLabel(item["metadata"]?["labels"] as JsonObject, requirement))
        && Split(fieldSelector).All(requirement => MatchesField(item, requirement));

    public static bool MatchesLabels(JsonObject? labels, JsonObject? matchLabels) =>
        matchLabels != null && matchLabels.All(pair => labels?[pair.Key]?.GetValue<string>() == pair.Value?.GetValue<string>());

    private static IEnumerable<string> Split(string? selector) =>
        string.IsNullOrWhiteSpace(selector) ? [] : RequirementSeparator().Split(selector).Select(part => part.Trim()).Where(part => part.Length > 0);

    private static bool MatchesLabel(JsonObject? labels, string requirement)
    {
        var set = SetRequirement().Match(requirement);
        if (set.Success)
        {
            var values = set.Groups["values"].Value.Split(',').Select(value => value.Trim()).ToHashSet();
            var actual = labels?[set.Groups["key"].Value]?.GetValue<string>();
            var inSet = actual != null && values.Contains(actual);
            return set.Groups["op"].Value == "in" ? inSet : !inSet;
        }

        if (requirement.StartsWith('!'))
        {
            return labels?[requirement[1..]] == null;
        }

        var (key, expected, equal) = Equality(requirement);
        if (expected == null)
        {
            return labels?[key] != null;
        }

        return (labels?[key]?.GetValue<string>() == expected) == equal;
    }

    private static bool MatchesField(JsonObject item, string requirement)
    {
        var (path, expected, equal) = Equality(requirement);
        JsonNode? node = item;
        foreach (var part in path.Split('.'))
        {
            node = node?[part];
        }

        return ((node?.ToString() ?? string.Empty) == expected) == equal;
    }

    private static (string Key, string? Value, bool Equal) Equality(string requirement)
    {
        if (requirement.Contains("!="))
        {
            var parts = requirement.Split("!=", 2);
            return (parts[0], parts[1], false);
        }

        var equals = requirement.Replace("==", "=").Split('=', 2);
        return equals.Length == 2 ? (equals[0], equals[1], true) : (equals[0], null, true);
    }

    // Commas inside "in (a,b)" do not separate requirements.
    [GeneratedRegex(@",(?![^()]*\))")]
    private static partial Regex RequirementSeparator();

    [GeneratedRegex(@"^(?<key>\S+)\s+(?<op>in|notin)\s*\((?<values>[^)]*)\)$")]
    private static partial Regex SetRequirement();
}
