using System.Text;
using Cake.Common.Build;
using Cake.Common.Build.GitHubActions.Data;
using Cake.Core;
using MlflowGke.Build.Backup;
using MlflowGke.Build.Image;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.GitHubActions;

/// <summary>What the suite tells GitHub Actions: masked secrets, job outputs, error annotations and the step summary.</summary>
public static class ActionsReport
{
    public static bool IsActive(ICakeContext context) => context.GitHubActions().IsRunningOnGitHubActions;

    /// <summary>Masks every secret setting and the static access token in the rest of the job's log.</summary>
    public static void MaskSecrets(BuildContext context)
    {
        var secrets = context.Settings.Secrets
            .Append(context.Environment.GetEnvironmentVariable("GOOGLE_OAUTH_ACCESS_TOKEN"))
            .OfType<string>()
            .Where(secret => secret.Length > 0);
        foreach (var secret in secrets)
        {
            context.GitHubActions().Commands.SetSecret(secret);
        }
    }

    /// <summary>The image outputs the deploy workflow passes from its build-push job to the kubernetes job.</summary>
    public static void SetImageOutputs(ICakeContext context, ImageReference image)
    {
        context.GitHubActions().Commands.SetOutputParameter("image", image.Pinned);
        context.GitHubActions().Commands.SetOutputParameter("image-tag", image.Tag);
    }

    /// <summary>The message's first line only: the rest may quote cluster output, which must not become lines of its own in the command.</summary>
    public static void AnnotateFailure(ICakeContext context, string task, Exception exception) =>
        context.GitHubActions().Commands.Error(PrintableText.Of(exception.Message.Split('\n')[0].TrimEnd('\r')), new GitHubActionsAnnotation { Title = $"{task} failed" });

    public static void WriteStepSummary(BuildContext context, IEnumerable<string> tasks, bool successful)
    {
        var settings = context.Settings;
        var changes = context.Changes.Changes;
        var summary = new StringBuilder()
            .AppendLine($"### MLflow on GKE: {string.Join(", ", tasks)} {(successful ? "succeeded" : "failed")}")
            .AppendLine()
            .AppendLine("| | |")
            .AppendLine("|---|---|")
            .AppendLine($"| database path | `{settings.Database.ToSettingValue()}` |")
            .AppendLine($"| namespace | `{settings.Namespace}` (context `{settings.KubeContext ?? "not set"}`) |")
            .AppendLine($"| image | {(context.DeployedImage is { } image ? $"`{image.Pinned}`" : "not resolved in this step")} |")
            .AppendLine($"| other images | {(context.PinnedImages.Count == 0 ? "not pinned in this step" : string.Join("<br>", context.PinnedImages.Select(pinned => $"`{pinned.Name}:{pinned.Tag}` → `{pinned.Pinned}`")))} |")
            .AppendLine($"| database schema | {(context.SchemaMigration is { } schema ? $"`{schema.Before ?? "unknown"}` → `{schema.After ?? "unknown"}` (Job `{schema.Job}`)" : "not checked in this step")} |")
            .AppendLine($"| backup before migration | {(context.Backup.Taken is { } backup ? $"`{backup.Id}` (to go back: {backup.RestoreCommand})" : context.Backup.Skipped ? $"**{MigrationBackup.SkippedWarning}**" : "none needed in this step")} |")
            .AppendLine($"| changes | {(changes.Count == 0 ? "none: everything was already in place" : $"{changes.Count}{(context.Changes.IsPlan ? " (plan only, none made)" : string.Empty)}")} |")
            .AppendLine();
        foreach (var change in changes)
        {
            summary.AppendLine($"- {change}");
        }

        if (context.StatusReport is { } status)
        {
            summary.AppendLine().Append(status.Markdown());
        }

        summary.AppendLine()
            .AppendLine($"Reach MLflow with `kubectl --context {settings.KubeContext ?? "CONTEXT"} -n {settings.Namespace} port-forward svc/mlflow 5000:5000`, then open http://localhost:5000.");
        context.GitHubActions().Commands.SetStepSummary(summary.ToString());
    }
}
