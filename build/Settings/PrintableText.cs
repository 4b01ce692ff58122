namespace MlflowGke.Build.Settings;

/// <summary>
/// A value as the logs may show it. It is shortened, and '%' and every control character are written as %XX (the
/// way GitHub Actions escapes command data), so a value can neither flood the log nor start a line that the runner
/// would read as a workflow command such as ::error or ::add-mask::.
/// </summary>
public static class PrintableText
{
    public const int MaxLength = 100;

    public static string Of(string value)
    {
        var shown = value.Length > MaxLength ? value[..MaxLength] : value;
        var escaped = string.Concat(shown.Select(c => c == '%' || char.IsControl(c) ? $"%{(int)c:X2}" : c.ToString()));
        return value.Length > MaxLength ? $"{escaped}… ({value.Length} characters)" : escaped;
    }
}
