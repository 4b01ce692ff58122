using System.Text;
using System.Text.RegularExpressions;

namespace MlflowGke.Build.Image;

/// <summary>
/// The exclusion rules of a build context's .dockerignore, as docker applies them: paths relative to the
/// context with '/' separators, Go filepath.Match globs plus '**', '!' re-includes, the last matching line wins,
/// and a pattern that matches a directory excludes everything beneath it.
/// </summary>
public sealed class DockerIgnore
{
    private readonly IReadOnlyList<(Regex Pattern, bool Exclude)> _rules;

    private DockerIgnore(IReadOnlyList<(Regex, bool)> rules) => _rules = rules;

    public static DockerIgnore Empty { get; } = new([]);

    public static DockerIgnore Parse(string text) =>
        new(text.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.StartsWith('!') ? (Glob(line[1..]), false) : (Glob(line), true))
            .Where(rule => rule.Item1 != null)
            .Select(rule => (rule.Item1!, rule.Item2))
            .ToList());

    public static DockerIgnore ForContext(string contextDirectory)
    {
        var file = Path.Combine(contextDirectory, ".dockerignore");
        return File.Exists(file) ? Parse(File.ReadAllText(file)) : Empty;
    }

    /// <summary>True when docker leaves <paramref name="relativePath"/> out of the context sent to the builder.</summary>
    public bool Excludes(string relativePath)
    {
        var parts = relativePath.Split('/');
        var pathAndParents = Enumerable.Range(1, parts.Length).Select(count => string.Join('/', parts.Take(count))).ToList();
        var excluded = false;
        foreach (var (pattern, exclude) in _rules)
        {
            if (pathAndParents.Any(pattern.IsMatch))
            {
                excluded = exclude;
            }
        }

        return excluded;
    }

    private static Regex? Glob(string pattern)
    {
        var cleaned = string.Join('/', pattern.Trim().Replace('\\', '/').Split('/').Where(part => part.Length > 0 && part != "."));
        if (cleaned.Length == 0)
        {
            return null;
        }

        var regex = new StringBuilder("^");
        for (var i = 0; i < cleaned.Length; i++)
        {
            var c = cleaned[i];
            if (c == '*' && i + 1 < cleaned.Length && cleaned[i + 1] == '*')
            {
                var slashFollows = i + 2 < cleaned.Length && cleaned[i + 2] == '/';
                regex.Append(slashFollows ? "(.*/)?" : ".*");
                i += slashFollows ? 2 : 1;
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else if (c == '[' && cleaned.IndexOf(']', i + 1) is var end && end > i + 1)
            {
                var set = cleaned[(i + 1)..end];
                regex.Append('[').Append(set.StartsWith('^') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                i = end;
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
