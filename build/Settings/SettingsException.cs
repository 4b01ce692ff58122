using Cake.Frosting;

namespace MlflowGke.Build.Settings;

/// <summary>Bad or missing settings, reported together before any task runs; exit code 2.</summary>
public sealed class SettingsException(IReadOnlyList<SettingError> errors)
    : Exception(FormatMessage(errors)), IExitCodeException
{
    public IReadOnlyList<SettingError> Errors { get; } = errors;

    public int ExitCode => 2;

    private static string FormatMessage(IReadOnlyList<SettingError> errors) =>
        $"{errors.Count} setting error(s); nothing was changed:{Environment.NewLine}" +
        string.Join(Environment.NewLine, errors.Select(error => "  - " + error.Message));
}
