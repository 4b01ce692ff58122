using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MlflowGke.Build.Tests.Fakes.Registry;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// One pod running locally. Volumes are folders (emptyDir empty, configMap and secret volumes holding their keys as
/// files, a persistentVolumeClaim the kubelet's folder of that claim) and mount paths in command, args and env values point there. The node's network is shared, so each
/// declared container port gets a free local port, passed to the server in place of the declared one (<c>--port</c>).
/// </summary>
public sealed class LocalPod : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(3) };
    private readonly TempDirectory _folder = new();
    private readonly JsonObject _spec;
    private readonly string _namespace;
    private readonly AppliedObjects _objects;
    private readonly LocalKubelet _kubelet;
    private readonly Dictionary<string, string> _volumes = new(StringComparer.Ordinal);
    private readonly List<ProcessGroup> _processes = [];
    private readonly List<string> _startedCommandLines = [];
    private readonly List<(JsonObject Container, ProcessGroup Process)> _running = [];

    internal LocalPod(string name, JsonObject spec, string ns, AppliedObjects objects, LocalKubelet kubelet)
    {
        Name = name;
        _spec = spec;
        _namespace = ns;
        _objects = objects;
        _kubelet = kubelet;
        Ports = spec["containers"]!.AsArray().OfType<JsonObject>()
            .SelectMany(container => container["ports"]?.AsArray().OfType<JsonObject>() ?? [])
            .ToDictionary(port => port["containerPort"]!.GetValue<int>(), _ => LocalRegistry.FreePort());
    }

    public string Name { get; }

    /// <summary>Declared container port → the local port it listens on.</summary>
    public IReadOnlyDictionary<int, int> Ports { get; }

    /// <summary>http://127.0.0.1:PORT/ for the first declared container port.</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{Ports.Values.First().ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>Every command line this pod started (exited init containers included) and those of all processes still running in its containers.</summary>
    public IReadOnlyList<string> CommandLines() => [.. _startedCommandLines, .. _processes.SelectMany(process => process.CommandLines())];

    /// <summary>Every container's output so far, for failure messages.</summary>
    public string Output => string.Join(Environment.NewLine, _processes.Select(process => process.ToString()));

    /// <summary>Polls each container's readiness probe (httpGet) until it answers 2xx/3xx; a container that exits fails at once.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        foreach (var (container, process) in _running)
        {
            var probe = container["readinessProbe"]?["httpGet"] ?? container["startupProbe"]?["httpGet"];
            if (probe == null)
            {
                continue;
            }

            var url = new Uri($"http://127.0.0.1:{LocalPort(container, probe["port"]!)}{probe["path"]?.GetValue<string>() ?? "/"}");
            try
            {
                while (!await AnswersAsync(url, deadline.Token))
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"{process.Name} exited with {process.ExitCode} before it became ready:{Environment.NewLine}{Output}");
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{process.Name} did not answer {url} within {timeout}:{Environment.NewLine}{Output}");
            }
        }
    }

    /// <summary>For a Job's pod: waits until every container has exited; one that fails throws with the output.</summary>
    public async Task WaitForCompletionAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        foreach (var (_, process) in _running)
        {
            await WaitSucceededAsync(process, timeout, deadline.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _folder.Dispose();
    }

    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        CreateVolumes();
        foreach (var container in _spec["initContainers"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(LocalKubelet.InitContainerTimeout);
            await WaitSucceededAsync(Start(container, "init container"), LocalKubelet.InitContainerTimeout, timeout.Token);
        }

        foreach (var container in _spec["containers"]!.AsArray().OfType<JsonObject>())
        {
            _running.Add((container, Start(container, "container")));
        }
    }

    private async Task WaitSucceededAsync(ProcessGroup process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            if (await process.WaitForExitAsync(cancellationToken) != 0)
            {
                throw new InvalidOperationException($"{process.Name} failed with exit code {process.ExitCode}:{Environment.NewLine}{process.Output}");
            }
        }
        catch (OperationCanceledException) when (!process.HasExited)
        {
            throw new TimeoutException($"{process.Name} did not finish within {timeout}:{Environment.NewLine}{process.Output}");
        }
    }

    private ProcessGroup Start(JsonObject container, string role)
    {
        var containerName = container["name"]!.GetValue<string>();
        var environment = ContainerEnvironment.Resolve(_spec, container, _namespace, _objects)
            .ToDictionary(variable => variable.Key, variable => Localise(container, _kubelet.Endpoints.RedirectVariable(variable.Key, variable.Value)), StringComparer.Ordinal);
        var command = Strings(container["command"]);
        var arguments = Strings(container["args"]);
        var line = (command ?? _kubelet.Image.Entrypoint).Concat(arguments ?? (command == null ? _kubelet.Image.Command : []))
            .Select(part => Localise(container, KubeletExpansion.Expand(part, name => environment.GetValueOrDefault(name))))
            .ToList();
        line = MapPorts(line);

        var processEnvironment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = $"{_kubelet.Mlflow.BinDirectory}:/usr/local/bin:/usr/bin:/bin",
            ["HOME"] = Directory.CreateDirectory(_folder.Combine("home")).FullName,
            ["LANG"] = "C.UTF-8",
            ["PYTHONUNBUFFERED"] = "1",
        };
        foreach (var (key, value) in environment)
        {
            processEnvironment[key] = value;
        }

        var workingDirectory = container["workingDir"]?.GetValue<string>() is { } declared ? Localise(container, declared) : processEnvironment["HOME"];
        var executable = Path.GetFileName(line[0]) is "mlflow" or "python" or "python3" ? Path.Combine(_kubelet.Mlflow.BinDirectory, Path.GetFileName(line[0])) : line[0];
        _startedCommandLines.Add(string.Join(' ', line));
        var process = ProcessGroup.Start($"pod {Name} {role} {containerName}", executable, line.Skip(1), processEnvironment, workingDirectory);
        _processes.Add(process);
        return process;
    }

    /// <summary>The declared container port after --port / -p becomes its local port.</summary>
    private List<string> MapPorts(List<string> line)
    {
        string Mapped(string port) => int.TryParse(port, out var declared) && Ports.TryGetValue(declared, out var local) ? local.ToString(CultureInfo.InvariantCulture) : port;
        return line.Select((part, index) => index > 0 && line[index - 1] is "--port" or "-p" ? Mapped(part)
            : part.StartsWith("--port=", StringComparison.Ordinal) ? $"--port={Mapped(part["--port=".Length..])}"
            : part).ToList();
    }

    /// <summary>The database and bucket swapped for local ones; a path under a volume mount pointed at the volume's folder.</summary>
    private string Localise(JsonObject container, string value)
    {
        var redirected = _kubelet.Endpoints.Redirect(value);
        foreach (var mount in container["volumeMounts"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var mountPath = mount["mountPath"]!.GetValue<string>().TrimEnd('/');
            if (redirected == mountPath || redirected.StartsWith(mountPath + "/", StringComparison.Ordinal))
            {
                var folder = _volumes[mount["name"]!.GetValue<string>()];
                var subPath = mount["subPath"]?.GetValue<string>();
                return (subPath == null ? folder : Path.Combine(folder, subPath)) + redirected[mountPath.Length..];
            }
        }

        return redirected;
    }

    private void CreateVolumes()
    {
        foreach (var volume in _spec["volumes"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var name = volume["name"]!.GetValue<string>();
            if (volume["persistentVolumeClaim"]?["claimName"]?.GetValue<string>() is { } claim)
            {
                var claims = _kubelet.VolumeClaimsFolder ?? throw new NotSupportedException($"volume {name} claims {claim}: this kubelet has no VolumeClaimsFolder");
                _volumes[name] = Directory.CreateDirectory(Path.Combine(claims, claim)).FullName;
                continue;
            }

            var folder = Directory.CreateDirectory(_folder.Combine("volumes", name)).FullName;
            _volumes[name] = folder;
            if (volume["configMap"] is JsonObject configMap)
            {
                WriteKeys("ConfigMap", configMap, folder);
            }
            else if (volume["secret"] is JsonObject secret)
            {
                WriteKeys("Secret", secret, folder);
            }
            else if (volume["emptyDir"] == null)
            {
                throw new NotSupportedException($"volume {name} ({volume.ToJsonString()}) is not run locally: only emptyDir, configMap and secret volumes are");
            }
        }
    }

    private void WriteKeys(string kind, JsonObject source, string folder)
    {
        var objectName = (source["name"] ?? source["secretName"])!.GetValue<string>();
        var data = _objects.Data(kind, _namespace, objectName)
            ?? throw new InvalidOperationException($"{kind} {_namespace}/{objectName}, mounted by pod {Name}, does not exist");
        var items = source["items"]?.AsArray().OfType<JsonObject>().Select(item => (Key: item["key"]!.GetValue<string>(), Path: item["path"]!.GetValue<string>()))
            ?? data.Keys.Select(key => (Key: key, Path: key));
        foreach (var (key, path) in items)
        {
            var file = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            // The endpoint swap applies to mounted files too, line by line (the basic-auth app's config holds a database URI).
            File.WriteAllText(file, string.Join('\n', data[key].Split('\n').Select(_kubelet.Endpoints.Redirect)), new UTF8Encoding(false));
        }
    }

    private int LocalPort(JsonObject container, JsonNode port)
    {
        var declared = port.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? port.GetValue<int>()
            : container["ports"]!.AsArray().OfType<JsonObject>().Single(item => item["name"]?.GetValue<string>() == port.GetValue<string>())["containerPort"]!.GetValue<int>();
        return Ports[declared];
    }

    private static async Task<bool> AnswersAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Probe.GetAsync(url, cancellationToken);
            return (int)response.StatusCode is >= 200 and < 400;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static List<string>? Strings(JsonNode? node) => node?.AsArray().Select(item => item!.GetValue<string>()).ToList();
}
