using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Docker;

/// <summary>A tiny build context: FROM scratch with Debian's static busybox and a text file that tests change.</summary>
public sealed class BusyboxContext : IDisposable
{
    // Inside the repository (in the git-ignored artifacts/), where IMAGE_CONTEXT must lie.
    private readonly TempDirectory _directory = new(System.IO.Path.Combine(RepositoryLayout.Root, "artifacts", "test-contexts"));

    public BusyboxContext(string dockerfile = "FROM scratch\nCOPY busybox /bin/busybox\nCOPY marker.txt /marker.txt\nCMD [\"/bin/busybox\", \"cat\", \"/marker.txt\"]\n")
    {
        File.Copy("/bin/busybox", _directory.Combine("busybox"));
        File.WriteAllText(_directory.Combine("Dockerfile"), dockerfile);
        File.WriteAllText(_directory.Combine("marker.txt"), "first\n");
    }

    public string Path => _directory.Path;

    public void ChangeMarker(string text) => File.WriteAllText(_directory.Combine("marker.txt"), text);

    public void Dispose() => _directory.Dispose();
}
