namespace MlflowGke.Build.Tests.Support;

public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    public static string Deployment => Path.Combine(Root, "deployment");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "build.sh")) && Directory.Exists(Path.Combine(directory.FullName, "build")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root (a folder with build.sh) above {AppContext.BaseDirectory}.");
    }
}
