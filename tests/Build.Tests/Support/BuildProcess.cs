using System.Diagnostics;

namespace MlflowGke.Build.Tests.Support;

/// <summary>Runs the compiled build (Build.dll) as a user would, in its own process, with a controlled environment.</summary>
public sealed class BuildProcess
{
    private static readonly string[] InheritedVariables = ["PATH", "HOME", "DOTNET_ROOT", "DOCKER_HOST", "TMPDIR"];

    public Dictionary<string, string> Environment { get; } = InheritedVariables
        .Where(name => System.Environment.GetEnvironmentVariable(name) != null)
        .ToDictionary(name => name, name => System.Environment.GetEnvironmentVariable(name)!);

    public string WorkingDirectory { get; set; } = RepositoryLayout.Root;

    /// <summary>
    /// The build project's own output (built by the project reference). The copy beside the tests cannot run
    /// alone: this test project's ASP.NET framework reference keeps some of its dependencies out of the folder.
    /// </summary>
    public static string BuildAssembly { get; } = Path.Combine(
        RepositoryLayout.Root, "build", "bin", new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "Build.dll");

    public Task<BuildResult> RunAsync(params string[] arguments) => RunAsync(arguments, whenLinePrinted: null);

    /// <summary>Runs the build; <paramref name="whenLinePrinted"/> sees each line of standard output as it is printed, with the running process.</summary>
    public async Task<BuildResult> RunAsync(string[] arguments, Func<string, Process, Task>? whenLinePrinted)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = WorkingDirectory,
        };
        start.ArgumentList.Add(BuildAssembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start)!;
        var output = ReadOutputAsync(process, whenLinePrinted);
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return new BuildResult(process.ExitCode, await output, await error);
    }

    private static async Task<string> ReadOutputAsync(Process process, Func<string, Process, Task>? whenLinePrinted)
    {
        var output = new System.Text.StringBuilder();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            output.AppendLine(line);
            if (whenLinePrinted != null)
            {
                await whenLinePrinted(line, process);
            }
        }

        return output.ToString();
    }
}

public sealed record BuildResult(int ExitCode, string Output, string Error)
{
    public string All => Output + Error;

    public override string ToString() => $"exit code {ExitCode}{System.Environment.NewLine}{All}";
}
