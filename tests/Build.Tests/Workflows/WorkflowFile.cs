using System.Text.RegularExpressions;
using MlflowGke.Build.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MlflowGke.Build.Tests.Workflows;

/// <summary>A GitHub Actions workflow read as YAML, with the few questions the tests ask of it.</summary>
public sealed partial class WorkflowFile
{
    private WorkflowFile(string name, YamlMappingNode root, IReadOnlyList<string> lines)
    {
        Name = name;
        Root = root;
        Lines = lines;
    }

    public string Name { get; }

    /// <summary>The file's text by line, comments included (the YAML tree drops them).</summary>
    public IReadOnlyList<string> Lines { get; }

    public YamlMappingNode Root { get; }

    public IEnumerable<Job> Jobs => ((YamlMappingNode)Root.Children[new YamlScalarNode("jobs")]).Children
        .Select(pair => new Job(((YamlScalarNode)pair.Key).Value!, (YamlMappingNode)pair.Value));

    public static WorkflowFile Load(string fileName)
    {
        var path = Path.Combine(RepositoryLayout.Root, ".github", "workflows", fileName);
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return new WorkflowFile(fileName, (YamlMappingNode)stream.Documents.Single().RootNode, File.ReadAllLines(path));
    }

    public string? Scalar(params string[] path)
    {
        YamlNode node = Root;
        foreach (var key in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out var child))
            {
                return null;
            }

            node = child;
        }

        return (node as YamlScalarNode)?.Value;
    }

    public sealed record Job(string Id, YamlMappingNode Node)
    {
        public IReadOnlyList<Step> Steps => ((YamlSequenceNode)Node.Children[new YamlScalarNode("steps")]).Children
            .Cast<YamlMappingNode>()
            .Select(step => new Step(Value(step, "uses"), Value(step, "run"), Map(step, "with")))
            .ToList();

        public IReadOnlyDictionary<string, string> Permissions => Map(Node, "permissions");

        public IReadOnlyDictionary<string, string> Environment => Map(Node, "env");

        public string? this[string key] => Value(Node, key);

        private static IReadOnlyDictionary<string, string> Map(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlMappingNode mapping
                ? mapping.Children.ToDictionary(pair => ((YamlScalarNode)pair.Key).Value!, pair => (pair.Value as YamlScalarNode)?.Value ?? string.Empty)
                : new Dictionary<string, string>();

        public IReadOnlyList<string> Needs => Node.Children.TryGetValue(new YamlScalarNode("needs"), out var needs)
            ? needs is YamlSequenceNode list ? list.Children.Select(n => ((YamlScalarNode)n).Value!).ToList() : [((YamlScalarNode)needs).Value!]
            : [];

        private static string? Value(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;
    }

    public sealed record Step(string? Uses, string? Run, IReadOnlyDictionary<string, string> With)
    {
        public IReadOnlyList<BuildCall> BuildCalls => Run == null
            ? []
            : BuildCallPattern().Matches(Run).Select(match => new BuildCall(match.Groups["target"].Value, match.Value.Contains("--exclusive"))).ToList();
    }

    public sealed record BuildCall(string Target, bool Exclusive);

    [GeneratedRegex(@"\./build\.sh --target=(?<target>\w+)[^\n]*")]
    private static partial Regex BuildCallPattern();
}
