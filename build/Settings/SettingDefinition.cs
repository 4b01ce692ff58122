namespace MlflowGke.Build.Settings;

/// <summary>
/// One setting: its environment/cake.config name (the guide's variable name) and the command-line
/// argument, which is the kebab-case of that name (PROJECT_ID → --project-id).
/// </summary>
public sealed record SettingDefinition(string Name, string Description, string? Default = null, bool IsSecret = false)
{
    public string Argument { get; } = Name.ToLowerInvariant().Replace('_', '-');

    public string ConfigKey => $"Deploy_{Name}";

    /// <summary>The value as logs may show it: secrets masked, and credentials inside a URL too.</summary>
    public string Printable(string value)
    {
        if (IsSecret)
        {
            return "[REDACTED]";
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? value.Replace(uri.UserInfo, "[REDACTED]", StringComparison.Ordinal)
            : value;
    }

    public string HowToSet => $"--{Argument}=VALUE, the {Name} environment variable, or {Name} in the [Deploy] section of cake.config";
}
