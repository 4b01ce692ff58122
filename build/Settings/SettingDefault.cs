using System.Text.RegularExpressions;

namespace MlflowGke.Build.Settings;

/// <summary>
/// What applies when a setting is not given. A default is text, parsed and checked like a given value;
/// <see cref="Text"/> is what the README shows for it.
/// </summary>
public abstract partial record SettingDefault(string Text)
{
    /// <summary>A fixed value.</summary>
    public static SettingDefault Value(string value) => new FixedDefault(value);

    /// <summary>
    /// A value built from other settings by a template such as <c>gke_{PROJECT_ID}_{REGION}_{CLUSTER_NAME}</c>: it
    /// exists when every named setting has a valid value; the README shows the template without braces.
    /// </summary>
    public static SettingDefault Template(string template) => new TemplateDefault(template);

    /// <summary>A value chosen from other settings by <paramref name="compute"/> (null: none); <paramref name="text"/> says how.</summary>
    public static SettingDefault Computed(string text, Func<ISettingLookup, string?> compute) => new ComputedDefault(text, compute);

    /// <summary>No value: the suite does what <paramref name="text"/> describes instead.</summary>
    public static SettingDefault Behaviour(string text) => new BehaviourDefault(text);

    /// <summary>The settings this default is built from, for the hint of a "required" error.</summary>
    public virtual IReadOnlyList<string> From => [];

    /// <summary>The default's value as text; null when there is none, or when the settings it is built from are missing.</summary>
    public abstract string? ValueText(ISettingLookup settings);

    /// <summary>What the settings table shows when the setting was not given.</summary>
    public virtual string? Display(ISettingLookup settings) => ValueText(settings);

    private sealed record FixedDefault(string Literal) : SettingDefault(Literal)
    {
        public override string ValueText(ISettingLookup settings) => Literal;
    }

    private sealed record TemplateDefault(string Pattern) : SettingDefault(Placeholder().Replace(Pattern, match => match.Groups["name"].Value))
    {
        public override IReadOnlyList<string> From { get; } = Placeholder().Matches(Pattern).Select(match => match.Groups["name"].Value).ToList();

        public override string? ValueText(ISettingLookup settings) =>
            From.All(name => settings.Get(name) != null)
                ? Placeholder().Replace(Pattern, match => settings.Get(match.Groups["name"].Value)!.ToString()!)
                : null;
    }

    private sealed record ComputedDefault(string Description, Func<ISettingLookup, string?> Compute) : SettingDefault(Description)
    {
        public override string? ValueText(ISettingLookup settings) => Compute(settings);

        public override string Display(ISettingLookup settings) => ValueText(settings) ?? Text;
    }

    private sealed record BehaviourDefault(string Description) : SettingDefault(Description)
    {
        public override string? ValueText(ISettingLookup settings) => null;

        public override string Display(ISettingLookup settings) => Text;
    }

    [GeneratedRegex("{(?<name>[A-Z_]+)}")]
    private static partial Regex Placeholder();
}
