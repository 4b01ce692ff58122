namespace MlflowGke.Build.Tests.Support;

/// <summary>
/// A folder holding a <c>kubectl</c> that counts its starts and then runs the real kubectl; put first on a build's
/// PATH, it tells how many kubectl processes a run started.
/// </summary>
public sealed class CountingKubectl : IDisposable
{
    private readonly TempDirectory _folder = new();

    public CountingKubectl()
    {
        var real = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, "kubectl"))
            .First(File.Exists);
        var script = _folder.Combine("kubectl");
        File.WriteAllText(script, $"#!/bin/sh\necho \"$*\" >> '{Log}'\nexec '{real}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>One line per start: the arguments it got.</summary>
    public string Log => _folder.Combine("starts.log");

    public IReadOnlyList<string> Starts => File.Exists(Log) ? File.ReadAllLines(Log) : [];

    /// <summary>Puts the counting kubectl first on the build's PATH.</summary>
    public BuildProcess Wrap(BuildProcess build)
    {
        build.Environment["PATH"] = $"{_folder.Path}{Path.PathSeparator}{build.Environment.GetValueOrDefault("PATH")}";
        return build;
    }

    public void Reset() => File.Delete(Log);

    public void Dispose() => _folder.Dispose();
}
