using System.Diagnostics;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.RealMlflow;

[Platform(Exclude = "Win", Reason = "MLflow launchers are shell scripts.")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class MlflowInstallationTests
{
    private readonly TempDirectory _folder = new();

    [TearDown]
    public void Remove() => _folder.Dispose();

    [Test]
    public void A_launcher_script_gets_a_python_that_runs_with_the_same_search_path()
    {
        // Given: the launcher install.sh writes, around a python that prints its PYTHONPATH
        var interpreter = Executable("interpreter", "#!/bin/sh\necho \"PYTHONPATH=$PYTHONPATH args=$*\"\n");
        Executable("bin/mlflow", $"#!/bin/sh\nPYTHONPATH=\"/opt/x/src${{PYTHONPATH:+:$PYTHONPATH}}\" exec {interpreter} -m mlflow \"$@\"\n");

        // When
        var (installation, reason) = MlflowInstallation.Locate("MLFLOW_TEST_SERVER", _folder.Combine("bin"), searchPath: false);

        // Then
        Assert.That(Run(installation?.Python ?? reason, "-c", "import mlflow"), Is.EqualTo("PYTHONPATH=/opt/x/src args=-c import mlflow"));
    }

    [Test]
    public void A_pip_install_uses_the_python_beside_mlflow()
    {
        // Given
        Executable("venv/bin/python", "#!/bin/sh\necho \"venv python $*\"\n");
        Executable("venv/bin/mlflow", "#!/bin/sh\necho mlflow\n");

        // When
        var (installation, reason) = MlflowInstallation.Locate("MLFLOW_TEST_SERVER", _folder.Combine("venv", "bin", "mlflow"), searchPath: false);

        // Then
        Assert.That(Run(installation?.Python ?? reason, "-V"), Is.EqualTo("venv python -V"));
    }

    [Test]
    public void A_variable_naming_no_mlflow_is_reported_with_its_value()
    {
        // When
        var (installation, reason) = MlflowInstallation.Locate("MLFLOW_TEST_SERVER_2_4", _folder.Path, searchPath: false);

        // Then
        Assert.That((installation, reason), Is.EqualTo(((MlflowInstallation?)null, $"MLFLOW_TEST_SERVER_2_4={_folder.Path} holds no mlflow command")));
    }

    private string Executable(string relativePath, string text)
    {
        var path = _folder.Combine(relativePath.Split('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static string Run(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Trim();
    }
}
