using System.Diagnostics;

namespace MlflowGke.Build.Tests.Docker;

/// <summary>Docker tests need a running daemon and Debian's docker-registry; outside CI they are ignored without them, in CI they fail.</summary>
public static class DockerRequirement
{
    private static readonly Lazy<string?> Missing = new(FindMissing);

    public static void Check()
    {
        if (Missing.Value == null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail($"{Missing.Value} (CI must provide it; see .ci/run)");
        }

        Assert.Ignore(Missing.Value);
    }

    private static string? FindMissing()
    {
        if (!Succeeds("docker", "info", "--format", "{{.ServerVersion}}"))
        {
            return "the docker daemon is not reachable (docker info failed)";
        }

        return File.Exists("/usr/bin/docker-registry") ? null : "Debian's docker-registry is not installed (apt-get install docker-registry)";
    }

    private static bool Succeeds(string file, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
