namespace MlflowGke.Build.Settings;

/// <summary>
/// Settings a task cannot run without; checked for every task about to run before the first one starts.
/// With <see cref="OnlyOn"/> set, required on that database path only; with <see cref="UnlessSet"/> set, not
/// required when that other setting is given; with <see cref="OnlyWhen"/> ("SETTING=value") set, required only while
/// that setting, given or by default, has that value.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class RequiresSettingsAttribute(params string[] names) : Attribute
{
    public IReadOnlyList<string> Names { get; } = names;

    public DatabasePath[] OnlyOn { get; init; } = [DatabasePath.InCluster, DatabasePath.CloudSql];

    public string? UnlessSet { get; init; }

    public string? OnlyWhen { get; init; }
}
