namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// A real MLflow on this machine: the <c>mlflow</c> command and a <c>python</c> that imports the same MLflow, both in
/// <see cref="BinDirectory"/>. Found through a variable naming a bin folder or the <c>mlflow</c> file, else on PATH.
/// </summary>
public sealed class MlflowInstallation
{
    /// <summary>The current MLflow: <c>MLFLOW_TEST_SERVER</c>, else the <c>mlflow</c> on PATH (a pip install).</summary>
    public const string CurrentVariable = "MLFLOW_TEST_SERVER";

    /// <summary>MLflow 2.4.0, the release the seed guide deployed, for upgrade tests: only through this variable.</summary>
    public const string Release24Variable = "MLFLOW_TEST_SERVER_2_4";

    private const string DefaultInstallFolder = "/opt/mlflow-test-server/bin";

    private static readonly Lazy<(MlflowInstallation? Found, string Reason)> LazyCurrent = new(() => Locate(CurrentVariable, Environment.GetEnvironmentVariable(CurrentVariable), searchPath: true));
    private static readonly Lazy<(MlflowInstallation? Found, string Reason)> LazyRelease24 = new(() => Locate(Release24Variable, Environment.GetEnvironmentVariable(Release24Variable), searchPath: false));

    private MlflowInstallation(string mlflow, string binDirectory)
    {
        Mlflow = mlflow;
        BinDirectory = binDirectory;
    }

    /// <summary>The <c>mlflow</c> command as installed.</summary>
    public string Mlflow { get; }

    /// <summary>A folder holding <c>mlflow</c>, <c>python</c> and <c>python3</c>, all with this MLflow importable.</summary>
    public string BinDirectory { get; }

    public string Python => Path.Combine(BinDirectory, "python");

    public static (MlflowInstallation? Found, string Reason) Current => LazyCurrent.Value;

    public static (MlflowInstallation? Found, string Reason) Release24 => LazyRelease24.Value;

    /// <summary>Finds <c>mlflow</c> through the <paramref name="configured"/> value of <paramref name="variable"/> (a bin folder or the file), else on PATH.</summary>
    public static (MlflowInstallation? Found, string Reason) Locate(string variable, string? configured, bool searchPath)
    {
        string? mlflow;
        if (!string.IsNullOrEmpty(configured))
        {
            mlflow = Directory.Exists(configured) ? Path.Combine(configured, "mlflow") : configured;
            if (!File.Exists(mlflow))
            {
                return (null, $"{variable}={configured} holds no mlflow command");
            }
        }
        else
        {
            mlflow = searchPath ? OnPath("mlflow") : null;
            if (mlflow == null)
            {
                var where = searchPath ? " and no mlflow is on PATH" : string.Empty;
                return (null, $"{variable} is not set{where} (CI: .ci/run installs ../shared/mlflow-server; locally: pip install mlflow, "
                    + $"or {variable}={DefaultInstallFolder})");
            }
        }

        var python = PythonBeside(mlflow);
        return python == null
            ? (null, $"{mlflow} has no python beside it and is not a launcher script that runs 'python -m mlflow'")
            : (new MlflowInstallation(mlflow, BinFolder(mlflow, python)), string.Empty);
    }

    /// <summary>
    /// A pip or venv install has its interpreter beside <c>mlflow</c>. A launcher script such as install.sh writes
    /// (<c>PYTHONPATH=… exec /usr/bin/python3 -m mlflow "$@"</c>) becomes a <c>python</c> script by dropping "-m mlflow".
    /// </summary>
    private static string? PythonBeside(string mlflow)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(mlflow))!;
        var interpreter = new[] { "python", "python3" }.Select(name => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
        if (interpreter != null)
        {
            return interpreter;
        }

        var script = File.ReadAllText(mlflow);
        if (!script.StartsWith("#!", StringComparison.Ordinal) || !script.Contains(" -m mlflow ", StringComparison.Ordinal))
        {
            return null;
        }

        var wrapper = Path.Combine(Directory.CreateTempSubdirectory("mlflow-python-").FullName, "python");
        WriteExecutable(wrapper, script.Replace(" -m mlflow ", " ", StringComparison.Ordinal));
        return wrapper;
    }

    /// <summary>
    /// One folder with mlflow, python and python3, to put first on a process's PATH. Wrapper scripts rather than links:
    /// a venv's interpreter finds its pyvenv.cfg only when started under its own path.
    /// </summary>
    private static string BinFolder(string mlflow, string python)
    {
        var folder = Directory.CreateTempSubdirectory("mlflow-bin-").FullName;
        WriteExecutable(Path.Combine(folder, "mlflow"), $"#!/bin/sh\nexec {ShellQuote(Path.GetFullPath(mlflow))} \"$@\"\n");
        foreach (var name in new[] { "python", "python3" })
        {
            WriteExecutable(Path.Combine(folder, name), $"#!/bin/sh\nexec {ShellQuote(Path.GetFullPath(python))} \"$@\"\n");
        }

        return folder;
    }

    private static void WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("RealMlflow tests run MLflow through shell scripts: Linux or macOS only.");
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    private static string ShellQuote(string text) => $"'{text.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    private static string? OnPath(string command) => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => Path.Combine(folder, command))
        .FirstOrDefault(File.Exists);
}
