using System.Diagnostics;
using System.Globalization;
using MlflowGke.Build.Tests.Fakes.Registry;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// A private PostgreSQL cluster (Debian's server binaries, <c>initdb</c> and <c>pg_ctl</c>) on a free loopback port,
/// with its data and socket under a temporary folder. Run as the <c>postgres</c> OS user when the tests run as root
/// (PostgreSQL refuses root). TCP logins need a password (scram-sha-256); the socket is for the tests' own SQL.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _folder = new();
    private readonly string _binaries;

    private PostgresCluster(string binaries)
    {
        _binaries = binaries;
        Port = LocalRegistry.FreePort();
    }

    public int Port { get; }

    public string Host => "127.0.0.1";

    private string DataDirectory => _folder.Combine("data");

    /// <summary>The newest /usr/lib/postgresql/N/bin with initdb and pg_ctl, or null.</summary>
    public static string? FindBinaries() => Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql")
            .Select(folder => Path.Combine(folder, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")) && File.Exists(Path.Combine(bin, "psql")))
            .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var version) ? version : 0)
            .FirstOrDefault()
        : null;

    public static async Task<PostgresCluster> StartAsync()
    {
        var cluster = new PostgresCluster(FindBinaries() ?? throw new InvalidOperationException("PostgreSQL server binaries are not installed (apt-get install postgresql)."));
        try
        {
            await cluster.InitialiseAndStartAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates the login role, or sets its password when it exists.</summary>
    public Task CreateLoginAsync(string user, string password) => ExecuteAsync($"""
        DO $create$ BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = {Literal(user)}) THEN
            ALTER ROLE {Identifier(user)} LOGIN PASSWORD {Literal(password)};
          ELSE
            CREATE ROLE {Identifier(user)} LOGIN PASSWORD {Literal(password)};
          END IF;
        END $create$;
        """);

    /// <summary>As the postgres image's POSTGRES_USER, which owns the in-cluster server, may: create databases.</summary>
    public Task AllowCreatingDatabasesAsync(string user) => ExecuteAsync($"ALTER ROLE {Identifier(user)} CREATEDB");

    public Task CreateDatabaseAsync(string name, string owner) => ExecuteAsync($"CREATE DATABASE {Identifier(name)} OWNER {Identifier(owner)};");

    /// <summary>Runs SQL (from standard input, so nothing of it is on a command line); returns psql's unaligned output.</summary>
    public async Task<string> ExecuteAsync(string sql, string database = "postgres")
    {
        var (exitCode, output) = await RunAsync("psql", sql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", _folder.Path, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", database);
        return exitCode == 0 ? output.Trim() : throw new InvalidOperationException($"psql failed (exit {exitCode}): {output}");
    }

    /// <summary>Loads a custom-format dump into <paramref name="database"/> with pg_restore, as the superuser over the socket.</summary>
    public async Task RestoreAsync(string dumpFile, string database)
    {
        // A copy in the cluster's own folder: the postgres OS user reads it when the tests run as root.
        var copy = _folder.Combine($"restore-{Guid.NewGuid():N}.dump");
        File.Copy(dumpFile, copy);
        if (IsRoot)
        {
            await RunCheckedAsync("/usr/bin/chown", "postgres:postgres", copy);
        }

        await RunCheckedAsync(Path.Combine(_binaries, "pg_restore"), "--no-owner", "--exit-on-error", "-h", _folder.Path, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", database, copy);
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            await RunAsync("pg_ctl", null, "stop", "-D", DataDirectory, "-m", "fast", "-w");
        }

        _folder.Dispose();
    }

    private async Task InitialiseAndStartAsync()
    {
        if (IsRoot)
        {
            await RunCheckedAsync("/usr/bin/chown", "postgres:postgres", _folder.Path);
        }

        await RunCheckedAsync(Path.Combine(_binaries, "initdb"), "-D", DataDirectory, "-U", "postgres", "-E", "UTF8", "--no-sync", "--auth-local=trust", "--auth-host=scram-sha-256");
        var options = $"-c listen_addresses={Host} -p {Port} -k {_folder.Path} -c fsync=off -c full_page_writes=off -c max_connections=200";
        await RunCheckedAsync(Path.Combine(_binaries, "pg_ctl"), "start", "-D", DataDirectory, "-l", _folder.Combine("server.log"), "-w", "-t", "60", "-o", options);
    }

    private async Task RunCheckedAsync(string command, params string[] arguments)
    {
        var (exitCode, output) = await RunAsync(command, null, arguments);
        if (exitCode != 0)
        {
            var log = File.Exists(_folder.Combine("server.log")) ? await File.ReadAllTextAsync(_folder.Combine("server.log")) : string.Empty;
            throw new InvalidOperationException($"{Path.GetFileName(command)} {string.Join(' ', arguments)} failed (exit {exitCode}): {output}{log}");
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private async Task<(int ExitCode, string Output)> RunAsync(string command, string? input, params string[] arguments)
    {
        var file = Path.IsPathRooted(command) ? command : Path.Combine(_binaries, command);
        var start = IsRoot && !file.StartsWith("/usr/bin/", StringComparison.Ordinal)
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", file, .. arguments])
            : new ProcessStartInfo(file, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.WorkingDirectory = _folder.Path;
        using var process = Process.Start(start)!;
        if (input != null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    private static string Literal(string text) => $"'{text.Replace("'", "''", StringComparison.Ordinal)}'";

    private static string Identifier(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
