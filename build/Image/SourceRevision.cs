using Cake.Common.Build;
using Cake.Core;
using Cake.Core.IO;
using System.Text.RegularExpressions;

namespace MlflowGke.Build.Image;

/// <summary>
/// The git commit the image is built from, for its labels and its extra tag; all null outside a git checkout. The
/// source URL goes into a build argument and a label that anyone who can pull the image reads, so it never carries
/// credentials: a remote such as https://user:token@github.com/... is kept as https://github.com/....
/// </summary>
public sealed partial record SourceRevision(string? Commit, bool IsDirty, string? SourceUrl)
{
    public string? SourceUrl { get; } = WithoutCredentials(SourceUrl);

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

    /// <summary>The URL without user, password, query or fragment; an scp-style remote (user@host:path) without its user.</summary>
    public static string? WithoutCredentials(string? url)
    {
        if (url == null)
        {
            return null;
        }

        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
        {
            return new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty, Query = string.Empty, Fragment = string.Empty }.Uri.AbsoluteUri;
        }

        return ScpUser().Replace(url, string.Empty);
    }

    [GeneratedRegex("^[^@/:]+@(?=[^/]+:)")]
    private static partial Regex ScpUser();

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
