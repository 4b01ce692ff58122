namespace MlflowGke.Build.Settings;

/// <summary>The outcome of parsing one value: the typed value, or the problem to report.</summary>
public readonly record struct SettingParse(object? Value, string? Problem)
{
    public static SettingParse Ok(object value) => new(value, null);

    public static SettingParse Fail(string problem) => new(null, problem);
}
