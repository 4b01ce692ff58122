namespace MlflowGke.Build.Settings;

/// <summary>
/// One setting: its environment/cake.config name (the guide's variable name), the command-line argument (the
/// kebab-case of that name: PROJECT_ID → --project-id), how its text is parsed and checked, and what applies when
/// it is not given. The settings table, the errors and the README row are all rendered from here.
/// </summary>
public sealed record SettingDefinition(string Name, string Description, SettingParser Parser, SettingDefault? Default = null, bool IsSecret = false)
{
    public const string NoDefault = "—";

    public string Argument { get; } = Name.ToLowerInvariant().Replace('_', '-');

    public string ConfigKey => $"Deploy_{Name}";

    /// <summary>The default as the table and the README show it: a value, the rule deriving it, or what happens instead.</summary>
    public string DefaultText => Default?.Text ?? NoDefault;

    /// <summary>The setting's commented entry in cake.config's [Deploy] section, which a documentation test holds to this.</summary>
    public string ConfigEntry => IsSecret
        ? $"; {Description} A secret, so never written here: set the {Name} environment variable, or name a file holding it here.\n;{FileName}="
        : $"; {Description}{(Default == null ? string.Empty : $" Default: {DefaultText}.")}\n;{Name}=";

    /// <summary>The setting's row in the README's settings table, which a documentation test holds to this.</summary>
    public string ReadmeRow => IsSecret
        ? $"| `{Name}` | — (`{FileName}`: `--{Argument}-file`) | {DefaultText} | {Description} **Secret**: only from the `{Name}` environment variable or the file `{FileName}` names; refused as an argument or in cake.config. |"
        : $"| `{Name}` | `--{Argument}` | {DefaultText} | {Description} |";

    /// <summary>The setting that names a file holding a secret setting's value (a mounted secret).</summary>
    public string FileName => $"{Name}_FILE";

    /// <summary>The value as logs may show it: secrets masked, credentials inside a URL too, shortened and escaped.</summary>
    public string Printable(string value)
    {
        if (IsSecret)
        {
            return "[REDACTED]";
        }

        return PrintableText.Of(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? value.Replace(uri.UserInfo, "[REDACTED]", StringComparison.Ordinal)
            : value);
    }

    public string HowToSet => IsSecret
        ? $"the {Name} environment variable (in GitHub Actions from a secret: env: {Name}: ${{{{ secrets.{Name} }}}}), or {FileName}=PATH naming a file that holds it (a mounted secret)"
        : $"--{Argument}=VALUE, the {Name} environment variable, or {Name} in the [Deploy] section of cake.config";

    /// <summary>Why a missing setting is needed and how else it can be had, for a "required" error.</summary>
    public string RequiredHint(DatabasePath path) => Default is { From.Count: > 0 } derived
        ? $"give it, or set {JoinNames(SettingNames.All.Where(setting => setting.Default == null && derived.From.Contains(setting.Name)).Select(setting => setting.Name).ToList())} to derive {derived.Text}"
        : $"the targets about to run on the {path.ToSettingValue()} path need it";

    private static string JoinNames(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : $"{string.Join(", ", names.SkipLast(1))} and {names[^1]}";
}
