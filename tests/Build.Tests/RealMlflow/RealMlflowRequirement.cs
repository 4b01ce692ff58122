namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// RealMlflow tests need a real MLflow (<see cref="MlflowInstallation"/>) and PostgreSQL's server binaries; outside CI
/// they are ignored with the reason when either is missing, in CI they fail.
/// </summary>
public static class RealMlflowRequirement
{
    public const string Category = "RealMlflow";

    /// <summary>The current MLflow; stops the test (ignored, or failed in CI) when it or PostgreSQL is missing.</summary>
    public static MlflowInstallation Check()
    {
        var (installation, reason) = MlflowInstallation.Current;
        if (installation == null)
        {
            Stop($"no real MLflow: {reason}");
        }

        if (PostgresCluster.FindBinaries() == null)
        {
            Stop("PostgreSQL's server binaries are not installed (no /usr/lib/postgresql/N/bin/initdb; apt-get install postgresql)");
        }

        return installation!;
    }

    /// <summary>MLflow 2.4.0 (<see cref="MlflowInstallation.Release24"/>) for upgrade tests, with the same rules.</summary>
    public static MlflowInstallation CheckRelease24()
    {
        var (installation, reason) = MlflowInstallation.Release24;
        if (installation == null)
        {
            Stop($"no MLflow 2.4.0: {reason}");
        }

        return installation!;
    }

    private static void Stop(string reason)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail($"{reason} (CI must provide it; see .ci/run)");
        }

        Assert.Ignore(reason);
    }
}
