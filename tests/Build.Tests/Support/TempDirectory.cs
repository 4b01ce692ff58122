namespace MlflowGke.Build.Tests.Support;

public sealed class TempDirectory : IDisposable
{
    /// <summary>A new directory in the system's temporary folder, or below <paramref name="parent"/>.</summary>
    public TempDirectory(string? parent = null)
    {
        Path = parent == null
            ? Directory.CreateTempSubdirectory("mlflow-gke-tests-").FullName
            : Directory.CreateDirectory(System.IO.Path.Combine(parent, $"mlflow-gke-tests-{Guid.NewGuid():N}")).FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that still holds a file there must not fail the test; the OS cleans temp later.
        }
    }
}
