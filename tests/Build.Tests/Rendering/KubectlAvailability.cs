namespace MlflowGke.Build.Tests.Rendering;

/// <summary>Kubectl-category tests run the real kubectl; without it they are ignored locally and fail in CI.</summary>
public static class KubectlAvailability
{
    public static void Require()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        if (path.Split(Path.PathSeparator).Any(folder => folder.Length > 0 && File.Exists(Path.Combine(folder, "kubectl"))))
        {
            return;
        }

        const string reason = "kubectl is not on PATH; these tests run the real kubectl kustomize";
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(reason);
        }

        Assert.Ignore(reason);
    }
}
