using System.Text.Json;
using System.Text.RegularExpressions;

namespace MlflowGke.Build.Tests.Deployment;

public sealed record DockerInstruction(string Keyword, string Arguments, int Line);

/// <summary>A build stage: its base image with global ARG defaults substituted, its alias, and its instructions.</summary>
public sealed record DockerStage(string BaseImage, string? Alias, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<string> Arguments(string keyword) => Instructions.Where(instruction => instruction.Keyword == keyword).Select(instruction => instruction.Arguments);
}

/// <summary>
/// A small Dockerfile reader following the Dockerfile reference: parser directives and comments, backslash
/// line continuations, known instructions only (written in upper case), global ARGs before the first FROM.
/// </summary>
public sealed partial class Dockerfile
{
    private static readonly HashSet<string> KnownInstructions =
    [
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
        "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ];

    private Dockerfile(IReadOnlyList<DockerInstruction> instructions, IReadOnlyDictionary<string, string> globalArguments, IReadOnlyList<DockerStage> stages)
    {
        Instructions = instructions;
        GlobalArguments = globalArguments;
        Stages = stages;
    }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    /// <summary>ARGs declared before the first FROM, with their defaults; only these may appear in FROM.</summary>
    public IReadOnlyDictionary<string, string> GlobalArguments { get; }

    public IReadOnlyList<DockerStage> Stages { get; }

    public DockerStage Final => Stages[^1];

    public static Dockerfile Parse(string text)
    {
        var instructions = Logical(text).Select(Instruction).ToList();
        if (instructions.Count == 0 || instructions.FirstOrDefault(instruction => instruction.Keyword != "ARG")?.Keyword != "FROM")
        {
            throw new FormatException("a Dockerfile starts with FROM (only ARG may come before it)");
        }

        var globals = instructions.TakeWhile(instruction => instruction.Keyword == "ARG")
            .Select(instruction => instruction.Arguments.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts.Length == 2 ? parts[1] : string.Empty);
        var stages = new List<DockerStage>();
        foreach (var instruction in instructions.SkipWhile(instruction => instruction.Keyword == "ARG"))
        {
            if (instruction.Keyword == "FROM")
            {
                var words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(word => !word.StartsWith("--", StringComparison.Ordinal)).ToList();
                var alias = words.Count == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
                if (words.Count != 1 && alias == null)
                {
                    throw new FormatException($"line {instruction.Line}: expected FROM IMAGE [AS NAME], got FROM {instruction.Arguments}");
                }

                stages.Add(new DockerStage(Substitute(words[0], globals), alias, []));
            }
            else
            {
                stages[^1] = stages[^1] with { Instructions = [.. stages[^1].Instructions, instruction] };
            }
        }

        return new Dockerfile(instructions, globals, stages);
    }

    /// <summary>LABEL key=value pairs of a stage, quotes removed.</summary>
    public static IReadOnlyDictionary<string, string> Labels(DockerStage stage) =>
        stage.Arguments("LABEL").SelectMany(arguments => LabelPair().Matches(arguments))
            .ToDictionary(match => match.Groups["key"].Value, match => match.Groups["value"].Value.Trim('"'));

    /// <summary>The exec form of ENTRYPOINT/CMD, a JSON array of strings.</summary>
    public static string[] ExecForm(string arguments) => JsonSerializer.Deserialize<string[]>(arguments)
        ?? throw new FormatException($"not an exec-form array: {arguments}");

    private static IEnumerable<(string Text, int Line)> Logical(string text)
    {
        var lines = text.Split('\n');
        var inDirectives = true;
        string? pending = null;
        var start = 0;
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index].TrimEnd('\r');
            var trimmed = line.TrimStart();
            if (inDirectives && DirectivePattern().IsMatch(line))
            {
                continue;
            }

            inDirectives = false;
            if (trimmed.StartsWith('#') || (trimmed.Length == 0 && pending == null))
            {
                continue;
            }

            if (pending == null)
            {
                start = index + 1;
            }

            var continued = trimmed.EndsWith('\\');
            pending = (pending == null ? string.Empty : pending + " ") + (continued ? trimmed[..^1].TrimEnd() : trimmed);
            if (!continued)
            {
                yield return (pending, start);
                pending = null;
            }
        }

        if (pending != null)
        {
            throw new FormatException($"line {start}: the last instruction ends with a line continuation");
        }
    }

    private static DockerInstruction Instruction((string Text, int Line) logical)
    {
        var parts = logical.Text.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
        if (!KnownInstructions.Contains(parts[0]))
        {
            throw new FormatException($"line {logical.Line}: unknown instruction '{parts[0]}' (instructions are upper case: {string.Join(", ", KnownInstructions)})");
        }

        return new DockerInstruction(parts[0], parts.Length == 2 ? parts[1] : string.Empty, logical.Line);
    }

    private static string Substitute(string value, IReadOnlyDictionary<string, string> arguments) =>
        VariablePattern().Replace(value, match =>
        {
            var name = match.Groups["braced"].Success ? match.Groups["braced"].Value : match.Groups["plain"].Value;
            return arguments.TryGetValue(name, out var argument) ? argument : throw new FormatException($"FROM uses ${name}, which no ARG before the first FROM declares");
        });

    [GeneratedRegex(@"^#\s*(syntax|escape|check)\s*=")]
    private static partial Regex DirectivePattern();

    [GeneratedRegex(@"\$\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)\}|\$(?<plain>[A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"(?<key>[A-Za-z0-9._-]+)=(?<value>""(?:[^""\\]|\\.)*""|\S+)")]
    private static partial Regex LabelPair();
}
