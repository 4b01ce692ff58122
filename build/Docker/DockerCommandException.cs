namespace MlflowGke.Build.Docker;

/// <summary>A docker command that failed, with docker's own error lines; <see cref="IsTransient"/> says whether a retry can help.</summary>
public sealed class DockerCommandException(string command, int exitCode, IReadOnlyList<string> errors)
    : Exception($"'docker {command}' failed with exit code {exitCode}: {string.Join(Environment.NewLine, errors.DefaultIfEmpty("(docker printed no error)"))}")
{
    // What docker prints when the registry or the network hiccups; anything else (denied, unauthorized,
    // unknown name, no local image, bad Dockerfile) fails the same way on every try.
    private static readonly string[] TransientMarkers =
    [
        "connection refused", "connection reset", "broken pipe", "i/o timeout", "tls handshake timeout",
        "unexpected eof", ": eof", "500 internal server error", "502 bad gateway", "503 service unavailable",
        "504 gateway timeout", "toomanyrequests", "429 too many requests", "client.timeout exceeded",
    ];

    public string Command { get; } = command;

    public int ExitCode { get; } = exitCode;

    public IReadOnlyList<string> Errors { get; } = errors;

    public bool IsTransient => Errors.Any(line => TransientMarkers.Any(marker => line.Contains(marker, StringComparison.OrdinalIgnoreCase)));
}
