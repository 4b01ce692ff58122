namespace MlflowGke.Build.Settings;

/// <summary>
/// One setting: its environment/cake.config name (the guide's variable name) and the command-line
/// argument, which is the kebab-case of that name (PROJECT_ID → --project-id).
/// </summary>
public sealed record SettingDefinition(string Name, string Description, string? Default = null, bool IsSecret = false)
{
    public string Argument { get; } = Name.ToLowerInvariant().Replace('_', '-');

    public string ConfigKey => $"Deploy_{Name}";

    public string HowToSet => $"--{Argument}=VALUE, the {Name} environment variable, or {Name} in the [Deploy] section of cake.config";
}
