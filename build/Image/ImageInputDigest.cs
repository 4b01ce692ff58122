using System.Security.Cryptography;
using System.Text;

namespace MlflowGke.Build.Image;

/// <summary>
/// The content-addressed tag of an image, like Skaffold's inputDigest: a SHA-256 over the Dockerfile and every
/// file docker would send as build context (after .dockerignore), each with its path, its file mode and its
/// content, in ordinal path order. The git commit and the build date are left out on purpose: they only label
/// the image, so a commit that does not touch the image keeps its tag and the registry check skips the build.
/// </summary>
public static class ImageInputDigest
{
    // Bump when the algorithm changes, so that old tags are not mistaken for the new computation's.
    private const string Version = "mlflow-gke-image-input/1";
    private const string TagPrefix = "in-";
    private const int TagHexLength = 24;
    private const int ReadBufferSize = 1 << 20;

    /// <summary>The tag for the given context; deterministic across machines and working directories.</summary>
    public static string Tag(string contextDirectory, string dockerfile) => TagPrefix + Compute(contextDirectory, dockerfile)[..TagHexLength];

    /// <summary>The full lowercase hex SHA-256 of the build inputs.</summary>
    public static string Compute(string contextDirectory, string dockerfile)
    {
        if (!Directory.Exists(contextDirectory))
        {
            throw new DirectoryNotFoundException($"The image build context '{contextDirectory}' does not exist. Set IMAGE_CONTEXT (--image-context) to the folder that holds the image's Dockerfile.");
        }

        if (!File.Exists(dockerfile))
        {
            throw new FileNotFoundException($"The Dockerfile '{dockerfile}' does not exist. Set DOCKERFILE (--dockerfile), or put a Dockerfile in IMAGE_CONTEXT.", dockerfile);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, Version);
        Append(hash, "dockerfile");
        hash.AppendData(File.ReadAllBytes(dockerfile));

        var ignore = DockerIgnore.ForContext(contextDirectory);
        foreach (var (relative, full) in ContextFiles(contextDirectory).Where(file => !ignore.Excludes(file.Relative)))
        {
            var info = new FileInfo(full);
            Append(hash, relative);
            Append(hash, Mode(info));
            if (info.LinkTarget != null)
            {
                Append(hash, "link:" + info.LinkTarget);
            }
            else
            {
                using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, ReadBufferSize, FileOptions.SequentialScan);
                Append(hash, Convert.ToHexStringLower(SHA256.HashData(stream)));
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static IEnumerable<(string Relative, string Full)> ContextFiles(string contextDirectory) =>
        Directory.EnumerateFiles(contextDirectory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false })
            .Select(full => (Relative: Path.GetRelativePath(contextDirectory, full).Replace('\\', '/'), Full: full))
            .OrderBy(file => file.Relative, StringComparer.Ordinal);

    // COPY keeps file modes, so a chmod changes the image; Windows has no modes and hashes a fixed one.
    private static string Mode(FileInfo info) => OperatingSystem.IsWindows() ? "644" : Convert.ToString((int)info.UnixFileMode, 8);

    private static void Append(IncrementalHash hash, string value)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(value));
        hash.AppendData([0]);
    }
}
