namespace MlflowGke.Build.Kubernetes;

/// <summary>Who the deploy lock names as its holder: the GitHub Actions run's URL in Actions, else user@host with the process ID.</summary>
public static class LockHolder
{
    public static string Describe(Func<string, string?> environment)
    {
        var runId = environment("GITHUB_RUN_ID");
        if (!string.IsNullOrEmpty(runId))
        {
            var server = environment("GITHUB_SERVER_URL") is { Length: > 0 } url ? url : "https://github.com";
            return $"{server}/{environment("GITHUB_REPOSITORY")}/actions/runs/{runId}";
        }

        var user = environment("USER") is { Length: > 0 } name ? name : Environment.UserName;
        return $"{user}@{Environment.MachineName} pid {Environment.ProcessId}";
    }
}
