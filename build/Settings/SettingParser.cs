using System.Globalization;
using System.Text.RegularExpressions;

namespace MlflowGke.Build.Settings;

/// <summary>
/// How a setting's text becomes its typed value, with the rule a bad value breaks. <see cref="IsFlag"/> parsers
/// accept a bare switch (--plan) as true.
/// </summary>
public sealed partial class SettingParser(Func<string, ISettingLookup, SettingParse> parse, bool isFlag = false)
{
    /// <summary>A secret is used exactly as given, so whitespace around it, usually pasted by mistake, is refused rather than trimmed.</summary>
    public static SettingParser Secret { get; } = new((value, _) => value.Trim().Length == value.Length
        ? SettingParse.Ok(value)
        : SettingParse.Fail("the value starts or ends with whitespace, which would become part of the secret; remove it where the secret is stored (from a file, only the final line ending is removed)"));

    public static SettingParser Flag { get; } = new(
        (value, _) => value.ToLowerInvariant() switch
        {
            "true" or "yes" or "1" => SettingParse.Ok(true),
            "false" or "no" or "0" => SettingParse.Ok(false),
            _ => SettingParse.Fail("expected true or false"),
        },
        isFlag: true);

    public bool IsFlag { get; } = isFlag;

    public SettingParse Parse(string value, ISettingLookup settings) => parse(value, settings);

    public static SettingParser Pattern(Regex pattern, string rule) =>
        new((value, _) => pattern.IsMatch(value) ? SettingParse.Ok(value) : SettingParse.Fail(rule));

    public static SettingParser Choice<T>(params (string Text, T Value)[] choices)
        where T : notnull =>
        new((value, _) => choices.FirstOrDefault(choice => choice.Text == value.ToLowerInvariant()) is { Text: not null } match
            ? SettingParse.Ok(match.Value)
            : SettingParse.Fail($"expected one of {string.Join(", ", choices.Select(choice => choice.Text))}"));

    /// <summary>A duration such as 600, 600s, 10m, 1h or 500ms, within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static SettingParser Duration(TimeSpan min, TimeSpan max) => new((value, _) =>
    {
        var rule = $"expected a duration from {Format(min)} to {Format(max)}, such as 600, 600s, 10m, 1h or 500ms";
        var match = DurationPattern().Match(value);
        if (!match.Success || !long.TryParse(match.Groups["amount"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return SettingParse.Fail(rule);
        }

        var unit = match.Groups["unit"].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            _ => TimeSpan.FromSeconds(1),
        };

        // Compared in units first: amount * unit could overflow TimeSpan.
        return amount > max.Ticks / unit.Ticks || amount * unit.Ticks < min.Ticks
            ? SettingParse.Fail(rule)
            : SettingParse.Ok(TimeSpan.FromTicks(amount * unit.Ticks));
    });

    /// <summary>A whole number within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static SettingParser Integer(int min, int max) => new((value, _) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? SettingParse.Ok(number)
            : SettingParse.Fail($"expected a whole number from {min} to {max}"));

    /// <summary>This parser, then <paramref name="check"/> on its value: a problem, or null when the value is fine.</summary>
    public SettingParser Check<T>(Func<T, string?> check) => new(
        (value, settings) =>
        {
            var parsed = Parse(value, settings);
            return parsed is { Problem: null, Value: T typed } && check(typed) is { } problem ? SettingParse.Fail(problem) : parsed;
        },
        IsFlag);

    private static string Format(TimeSpan duration) => duration switch
    {
        { Ticks: 0 } => "0s",
        { TotalHours: >= 1 } when duration.Ticks % TimeSpan.TicksPerHour == 0 => $"{duration.TotalHours:0}h",
        { TotalMinutes: >= 1 } when duration.Ticks % TimeSpan.TicksPerMinute == 0 => $"{duration.TotalMinutes:0}m",
        { TotalSeconds: >= 1 } when duration.Ticks % TimeSpan.TicksPerSecond == 0 => $"{duration.TotalSeconds:0}s",
        _ => $"{duration.TotalMilliseconds:0}ms",
    };

    [GeneratedRegex("^(?<amount>[0-9]{1,18})(?<unit>ms|s|m|h)?$")]
    private static partial Regex DurationPattern();
}
