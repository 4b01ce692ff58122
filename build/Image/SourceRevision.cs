using Cake.Common.Build;
using Cake.Core;
using Cake.Core.IO;

namespace MlflowGke.Build.Image;

/// <summary>The git commit the image is built from, for its labels and its extra tag; all null outside a git checkout.</summary>
public sealed record SourceRevision(string? Commit, bool IsDirty, string? SourceUrl)
{
    /// <summary>The extra tag naming the commit; none when the working tree has uncommitted changes, which the commit would not describe.</summary>
    public string? CommitTag => Commit != null && !IsDirty ? $"git-{Commit[..Math.Min(12, Commit.Length)]}" : null;

    public static SourceRevision Read(ICakeContext context)
    {
        var commit = Git(context, "rev-parse", "HEAD").FirstOrDefault();
        if (commit == null)
        {
            return new SourceRevision(null, false, null);
        }

        var dirty = Git(context, "status", "--porcelain", "--untracked-files=no").Count > 0;
        var actions = context.GitHubActions();
        var source = actions.IsRunningOnGitHubActions
            ? $"{actions.Environment.Workflow.ServerUrl}/{actions.Environment.Workflow.Repository}"
            : Git(context, "config", "--get", "remote.origin.url").FirstOrDefault();
        return new SourceRevision(commit, dirty, source);
    }

    private static IReadOnlyList<string> Git(ICakeContext context, params string[] arguments)
    {
        var git = context.Tools.Resolve("git");
        if (git == null)
        {
            return [];
        }

        var builder = new ProcessArgumentBuilder();
        foreach (var argument in arguments)
        {
            builder.Append(argument);
        }

        using var process = context.ProcessRunner.Start(git, new ProcessSettings { Arguments = builder, RedirectStandardOutput = true, RedirectStandardError = true, Silent = true });
        process.WaitForExit();
        return process.GetExitCode() == 0 ? process.GetStandardOutput().Where(line => line.Length > 0).ToList() : [];
    }
}
