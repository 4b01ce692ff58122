using System.Diagnostics;
using System.Text;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// A local process started as the leader of its own process group (through <c>setsid</c>, which keeps the pid), so
/// that everything it starts can be found and stopped with it: <c>mlflow server</c> does not pass SIGTERM on to its
/// uvicorn or gunicorn workers. Standard output and error are kept for failure messages.
/// </summary>
public sealed class ProcessGroup : IAsyncDisposable
{
    private const int OutputLimit = 64 * 1024;
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(5);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ProcessGroup(string name, Process process)
    {
        Name = name;
        _process = process;
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Standard output and error interleaved, at most the last 64 KiB.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="name">What the process is, for messages ("pod mlflow-1 container mlflow").</param>
    public static ProcessGroup Start(string name, string command, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(command);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return new ProcessGroup(name, process);
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>The pids of the group's processes that are still running (the leader and everything it started).</summary>
    public IReadOnlyList<int> Members() => Directory.GetDirectories("/proc")
        .Select(Path.GetFileName)
        .Select(name => int.TryParse(name, out var pid) ? pid : 0)
        .Where(pid => pid > 0 && ProcessGroupOf(pid) == Id)
        .ToList();

    /// <summary>Each member's command line, arguments joined by spaces (from /proc/PID/cmdline).</summary>
    public IReadOnlyList<string> CommandLines() => Members()
        .Select(pid => ReadOrEmpty($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim())
        .Where(line => line.Length > 0)
        .ToList();

    public override string ToString() => $"{Name} (pid {Id}){Environment.NewLine}{Output}";

    /// <summary>SIGTERM to the whole group; SIGKILL to what is left after a grace period.</summary>
    public async ValueTask DisposeAsync()
    {
        Signal("TERM");
        using var grace = new CancellationTokenSource(GracePeriod);
        try
        {
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            // Killed below.
        }

        Signal("KILL");
        _process.Dispose();
    }

    private void Signal(string signal)
    {
        if (Members().Count == 0)
        {
            return;
        }

        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, "--", $"-{Id}"]) { RedirectStandardError = true })!;
        kill.StandardError.ReadToEnd();
        kill.WaitForExit();
    }

    private static int ProcessGroupOf(int pid)
    {
        // /proc/PID/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses, so split after the last ')'.
        var stat = ReadOrEmpty($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 2 && int.TryParse(fields[2], out var group) ? group : 0;
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private void Append(string? line)
    {
        if (line == null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > OutputLimit)
            {
                _output.Remove(0, _output.Length - OutputLimit);
            }
        }
    }
}
