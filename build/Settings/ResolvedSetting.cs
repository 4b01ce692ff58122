using Cake.Core;
using Cake.Core.Configuration;

namespace MlflowGke.Build.Settings;

/// <summary>A setting's raw value and where it came from.</summary>
public sealed record ResolvedSetting(SettingDefinition Definition, string? Value, string Source)
{
    public const string NotSet = "not set";

    /// <summary>Resolves every setting: argument, then environment variable, then cake.config [Deploy], then default.</summary>
    public static IReadOnlyList<ResolvedSetting> ResolveAll(ICakeArguments arguments, ICakeEnvironment environment, ICakeConfiguration configuration) =>
        SettingNames.All.Select(definition => Resolve(definition, arguments, environment, configuration)).ToList();

    private static ResolvedSetting Resolve(SettingDefinition definition, ICakeArguments arguments, ICakeEnvironment environment, ICakeConfiguration configuration)
    {
        if (arguments.HasArgument(definition.Argument))
        {
            // A bare switch such as --plan arrives without a value; it means true for a flag.
            var value = arguments.GetArguments(definition.Argument).LastOrDefault()?.Trim();
            return new(definition, string.IsNullOrEmpty(value) && definition.Parser.IsFlag ? "true" : value ?? string.Empty, $"argument --{definition.Argument}");
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
}
