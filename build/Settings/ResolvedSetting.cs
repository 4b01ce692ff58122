using Cake.Core;
using Cake.Core.Configuration;

namespace MlflowGke.Build.Settings;

/// <summary>A setting's raw value, where it came from, and why it was refused when it was.</summary>
public sealed record ResolvedSetting(SettingDefinition Definition, string? Value, string Source, string? Problem = null)
{
    public const string NotSet = "not set";

    /// <summary>
    /// Resolves every setting: argument, then environment variable, then cake.config [Deploy], then default. Secrets
    /// come only from the environment or from a file (<see cref="SettingDefinition.FileName"/>).
    /// </summary>
    public static IReadOnlyList<ResolvedSetting> ResolveAll(ICakeArguments arguments, ICakeEnvironment environment, ICakeConfiguration configuration) =>
        SettingNames.All.Select(definition => definition.IsSecret
            ? ResolveSecret(definition, arguments, environment, configuration)
            : Resolve(definition, arguments, environment, configuration)).ToList();

    private static ResolvedSetting Resolve(SettingDefinition definition, ICakeArguments arguments, ICakeEnvironment environment, ICakeConfiguration configuration)
    {
        if (arguments.HasArgument(definition.Argument))
        {
            // A bare switch such as --plan arrives as null: true for a flag, an empty value for any other setting.
            var value = arguments.GetArguments(definition.Argument).LastOrDefault();
            return new(definition, value == null && definition.Parser.IsFlag ? "true" : value?.Trim() ?? string.Empty, $"argument --{definition.Argument}");
        }

        var fromEnvironment = environment.GetEnvironmentVariable(definition.Name)?.Trim();
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return new(definition, fromEnvironment, $"environment {definition.Name}");
        }

        var fromConfig = configuration.GetValue(definition.ConfigKey)?.Trim();
        if (!string.IsNullOrEmpty(fromConfig))
        {
            return new(definition, fromConfig, "cake.config [Deploy]");
        }

        return new(definition, null, NotSet);
    }

    /// <summary>
    /// An argument is readable by every process on the machine (ps, /proc) and cake.config is committed, so a secret
    /// found there is refused. The value is kept as given (not trimmed): the parser refuses surrounding whitespace.
    /// </summary>
    private static ResolvedSetting ResolveSecret(SettingDefinition definition, ICakeArguments arguments, ICakeEnvironment environment, ICakeConfiguration configuration)
    {
        if (arguments.HasArgument(definition.Argument))
        {
            return new(definition, arguments.GetArguments(definition.Argument).LastOrDefault() ?? string.Empty, $"argument --{definition.Argument}", "a secret is not taken from the command line, where every process on the machine can read it");
        }

        if (configuration.GetValue(definition.ConfigKey) is { Length: > 0 } inConfig)
        {
            return new(definition, inConfig, "cake.config [Deploy]", "a secret is not read from cake.config, which is committed with the repository");
        }

        var fromEnvironment = environment.GetEnvironmentVariable(definition.Name);
        var file = FileSetting(definition, arguments, environment, configuration);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return file == null
                ? new(definition, fromEnvironment, $"environment {definition.Name}")
                : new(definition, fromEnvironment, $"environment {definition.Name}", $"both {definition.Name} and {definition.FileName} are set; give one");
        }

        return file is { } path ? ReadSecretFile(definition, path.Value, path.Source, environment) : new(definition, null, NotSet);
    }

    private static (string Value, string Source)? FileSetting(SettingDefinition definition, ICakeArguments arguments, ICakeEnvironment environment, ICakeConfiguration configuration)
    {
        var argument = $"{definition.Argument}-file";
        if (arguments.HasArgument(argument))
        {
            return (arguments.GetArguments(argument).LastOrDefault()?.Trim() ?? string.Empty, $"argument --{argument}");
        }

        if (environment.GetEnvironmentVariable(definition.FileName)?.Trim() is { Length: > 0 } fromEnvironment)
        {
            return (fromEnvironment, $"environment {definition.FileName}");
        }

        return configuration.GetValue($"Deploy_{definition.FileName}")?.Trim() is { Length: > 0 } fromConfig ? (fromConfig, "cake.config [Deploy]") : null;
    }

    /// <summary>The file's content without the one line ending that echo, editors and mounted secrets end it with.</summary>
    private static ResolvedSetting ReadSecretFile(SettingDefinition definition, string path, string source, ICakeEnvironment environment)
    {
        var fullPath = Path.GetFullPath(path, environment.WorkingDirectory.FullPath);
        var origin = $"file {definition.FileName} ({source})";
        if (path.Length == 0 || !File.Exists(fullPath))
        {
            return new(definition, string.Empty, origin, $"{definition.FileName}='{PrintableText.Of(path)}' names no readable file");
        }

        try
        {
            var content = File.ReadAllText(fullPath);
            var value = content.EndsWith("\r\n", StringComparison.Ordinal) ? content[..^2] : content.EndsWith('\n') ? content[..^1] : content;
            return new(definition, value, origin);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return new(definition, string.Empty, origin, $"{definition.FileName}='{PrintableText.Of(path)}' cannot be read: {exception.GetType().Name}");
        }
    }
}
