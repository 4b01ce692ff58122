using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Fakes.Registry;

/// <summary>
/// Debian's real distribution registry (<c>docker-registry serve</c>) on a free loopback port with its own
/// temporary storage; it can be stopped and started again on the same port with the same content.
/// </summary>
public sealed class LocalRegistry : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly TempDirectory _storage = new();
    private Process? _process;

    private LocalRegistry(int port)
    {
        Port = port;
        File.WriteAllText(ConfigFile, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {_storage.Combine("data")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}
            """);
    }

    public int Port { get; }

    /// <summary>host:port, the first part of an image repository in this registry.</summary>
    public string Host => $"127.0.0.1:{Port}";

    private string ConfigFile => _storage.Combine("config.yml");

    public static async Task<LocalRegistry> StartAsync()
    {
        var registry = new LocalRegistry(FreePort());
        await registry.StartAgainAsync();
        return registry;
    }

    /// <summary>A loopback port nothing listens on (right now).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the registry process (again) and returns when it answers <c>GET /v2/</c>.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo("docker-registry") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(ConfigFile);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(StartTimeout);
        while (!await AnswersAsync(timeout.Token))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode} before answering on {Host}.");
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>The digest the registry serves for a tag, or null when it answers 404.</summary>
    public async Task<string?> DigestAsync(string name, string tag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, $"http://{Host}/v2/{name}/manifests/{tag}");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.index.v1+json");
        using var response = await Http.SendAsync(request);
        return response.StatusCode == HttpStatusCode.NotFound ? null : response.EnsureSuccessStatusCode().Headers.GetValues("Docker-Content-Digest").Single();
    }

    /// <summary>
    /// Uploads a tiny image (a config and one layer blob) and its manifest straight through the registry API, without
    /// a docker daemon; returns the digest the registry serves for <paramref name="tag"/>.
    /// </summary>
    public async Task<string> PushSyntheticImageAsync(string name, string tag)
    {
        var config = await UploadBlobAsync(name, Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"""));
        var layer = await UploadBlobAsync(name, Encoding.UTF8.GetBytes($"layer of {name}:{tag}"));
        var manifest = $$"""
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
             "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":{{config.Size}},"digest":"{{config.Digest}}"},
             "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":{{layer.Size}},"digest":"{{layer.Digest}}"}]}
            """;
        using var content = new StringContent(manifest, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.docker.distribution.manifest.v2+json");
        using var response = await Http.PutAsync($"http://{Host}/v2/{name}/manifests/{tag}", content);
        return response.EnsureSuccessStatusCode().Headers.GetValues("Docker-Content-Digest").Single();
    }

    private async Task<(string Digest, int Size)> UploadBlobAsync(string name, byte[] blob)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(blob));
        using var start = await Http.PostAsync($"http://{Host}/v2/{name}/blobs/uploads/", null);
        var location = new Uri(new Uri($"http://{Host}"), start.EnsureSuccessStatusCode().Headers.Location!);
        var separator = location.Query.Length > 0 ? "&" : "?";
        using var upload = await Http.PutAsync($"{location}{separator}digest={Uri.EscapeDataString(digest)}", new ByteArrayContent(blob));
        upload.EnsureSuccessStatusCode();
        return (digest, blob.Length);
    }

    /// <summary>Stops the registry, deletes its storage, and removes the daemon's images named after it.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _storage.Dispose();
        var images = (await DockerAsync("image", "ls", "--quiet", "--filter", $"reference={Host}/*")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
        if (images.Count > 0)
        {
            await DockerAsync(["image", "rm", "--force", .. images]);
        }
    }

    private static async Task<string> DockerAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return await output;
    }

    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync($"http://{Host}/v2/", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
