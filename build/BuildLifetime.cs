using System.Reflection;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Backup;
using MlflowGke.Build.GitHubActions;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Tasks;

namespace MlflowGke.Build;

/// <summary>Prints the settings, validates them and runs the preflight checks for the tasks about to run, and summarises the changes at the end.</summary>
public sealed class BuildLifetime : AsyncFrostingLifetime<BuildContext>
{
    private const string OpenServerWarning =
        $"{SettingNames.Auth}=none: MLflow runs without authentication, so every pod the NetworkPolicies admit (its namespace, and namespaces labelled {SettingNames.ClientNamespaceLabel}) can read, change and delete every experiment, run and artifact. Leave {SettingNames.Auth} unset (basic) unless something in front of the server authenticates.";

    private IReadOnlyList<string> _tasks = [];

    public override async Task SetupAsync(BuildContext context, ISetupContext info)
    {
        _tasks = info.TasksToExecute.Select(task => task.Name).ToList();
        PrintSettings(context);
        if (ActionsReport.IsActive(context))
        {
            ActionsReport.MaskSecrets(context);
        }

        var taskNames = info.TasksToExecute.Select(task => task.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var errors = context.Settings.Errors.Concat(context.Settings.MissingFor(RequirementsOf(taskNames))).ToList();
        if (errors.Count > 0)
        {
            throw new SettingsException(errors);
        }

        if (context.Settings.Auth == AuthMode.None && TaskTypes(taskNames).Contains(typeof(ApplyTask)))
        {
            context.Log.Warning(OpenServerWarning);
        }

        await DeployPreflight.RunAsync(context, TaskTypes(taskNames), context.Cancellation);
        if (!context.Settings.IsPlan && TaskTypes(taskNames).Any(type => type.IsDefined(typeof(HoldsDeployLockAttribute))))
        {
            await context.Kubernetes.AcquireLockAsync(context.Settings.LockTimeout, context.Settings.BreakLock, context.Cancellation);
        }

        if (context.Settings.IsPlan)
        {
            context.Log.Information("Plan mode: reading state only; every change below is printed, none is made.");
        }
    }

    public override void Teardown(BuildContext context, ITeardownContext info)
    {
        if (context.UsedKubernetes)
        {
            context.Kubernetes.Lock.ReleaseAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        var changes = context.Changes.Changes;
        if (info.ThrownException is SettingsException)
        {
            return;
        }

        if (ActionsReport.IsActive(context))
        {
            ActionsReport.WriteStepSummary(context, _tasks, info.Successful);
        }

        if (context.Backup.Taken is { } backup)
        {
            context.Log.Information("Backup taken before the schema migration: {0}", backup);
        }

        if (context.Backup.Skipped)
        {
            context.Log.Warning(MigrationBackup.SkippedWarning);
        }

        if (context.IsInterrupted)
        {
            context.Log.Information($"Interrupted after {changes.Count} change(s); running the same target again continues from there.");
            return;
        }

        if (!info.Successful)
        {
            context.Log.Information($"Stopped by an error after {changes.Count} change(s); running the same target again continues from there.");
            return;
        }

        foreach (var pinned in context.PinnedImages)
        {
            context.Log.Information("Image: {0}:{1} pinned as {2}", pinned.Name, pinned.Tag, pinned.Pinned);
        }

        if (context.SchemaMigration is { } schema)
        {
            context.Log.Information("Database schema: {0}", schema);
        }

        if (context.Rendered != null && !context.Changes.IsPlan && context.Topology.Hostname is { } hostname)
        {
            context.Log.Information(context.Kubernetes.Ingress.ReadAsync().GetAwaiter().GetResult().Describe(hostname));
        }

        var verb = context.Changes.IsPlan ? "would be made" : "made";
        context.Log.Information(changes.Count == 0 ? "No changes: everything was already in place." : $"{changes.Count} change(s) {verb}.");
    }

    internal static IEnumerable<RequiresSettingsAttribute> RequirementsOf(IReadOnlySet<string> taskNames) =>
        TaskTypes(taskNames).SelectMany(type => type.GetCustomAttributes<RequiresSettingsAttribute>());

    private static IEnumerable<Type> TaskTypes(IReadOnlySet<string> taskNames) =>
        typeof(BuildLifetime).Assembly.GetTypes()
            .Where(type => typeof(IFrostingTask).IsAssignableFrom(type) && taskNames.Contains(type.GetCustomAttribute<TaskNameAttribute>()?.Name ?? type.Name));

    private static void PrintSettings(BuildContext context)
    {
        var settings = context.Settings;
        var rows = SettingNames.All
            .Select(definition => settings.Resolved.Single(setting => setting.Definition == definition))
            .Select(setting => setting.Value != null
                ? (setting.Definition.Name, Value: setting.Definition.Printable(setting.Value), setting.Source)
                : settings.ValueWhenUnset(setting.Definition.Name) is { } unset
                    ? (setting.Definition.Name, Value: unset, Source: "default")
                    : (setting.Definition.Name, Value: "-", Source: ResolvedSetting.NotSet))
            .ToList();
        var nameWidth = rows.Max(row => row.Name.Length);
        var valueWidth = Math.Min(60, rows.Max(row => row.Value.Length));
        context.Log.Information("Settings:");
        foreach (var (name, value, source) in rows)
        {
            context.Log.Information("  {0} {1} {2}", name.PadRight(nameWidth), value.PadRight(valueWidth), source);
        }
    }
}
