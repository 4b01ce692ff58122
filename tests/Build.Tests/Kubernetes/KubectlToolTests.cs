using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Tooling;
using MlflowGke.Build.Kubernetes;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>kubectl's command lines, standard input, redaction and retries, without starting a process.</summary>
public sealed class KubectlToolTests
{
    private static readonly KubectlRetry Fast = new(3, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5));

    [Test]
    public void Every_call_names_the_context_and_namespace_and_bounds_each_request()
    {
        var runner = new RecordingProcessRunner(new KubectlResult(0, string.Empty, string.Empty));

        Tool(runner).Run(Settings(), new ProcessArgumentBuilder().Append("get").Append("pods"), standardInput: null);

        Assert.That(runner.Calls.Single().Arguments, Is.EqualTo("--context=\"gke_p_r_c\" --namespace=\"ml flow\" --request-timeout=30s get pods"));
        Assert.That(runner.Calls.Single().StandardInput, Is.Null);
    }

    [Test]
    public void Objects_and_secrets_travel_on_standard_input_and_are_redacted_from_output()
    {
        const string secret = "s3cretPassw0rdXXXXXXXXXXXXXXXXXX";
        var runner = new RecordingProcessRunner(new KubectlResult(1, $"echo {secret}", $"Error from server (Invalid): bad value {secret}"));
        var kubectl = Kubectl(runner);
        kubectl.AddSecret(secret);

        var failure = Assert.ThrowsAsync<KubectlException>(() => kubectl.RunAsync(new ProcessArgumentBuilder().Append("create").Append("--filename=-"), $"{{\"password\":\"{secret}\"}}"));

        Assert.That(runner.Calls.Single().StandardInput, Does.Contain(secret));
        Assert.That(runner.Calls.Single().Arguments, Does.Not.Contain(secret));
        Assert.That(failure!.Message, Does.Contain("[REDACTED]").And.Not.Contain(secret));
        Assert.That(failure.Result.Output, Does.Not.Contain(secret));
    }

    [Test]
    public async Task Transient_errors_are_retried_until_the_call_succeeds()
    {
        var runner = new RecordingProcessRunner(
            new KubectlResult(1, string.Empty, "Error from server (ServiceUnavailable): the server is currently unable to handle the request"),
            new KubectlResult(1, string.Empty, "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port? dial tcp: connect: connection refused"),
            new KubectlResult(0, "ok", string.Empty));

        var result = await Kubectl(runner).RunAsync(new ProcessArgumentBuilder().Append("get").Append("pods"));

        Assert.That(result.Output, Is.EqualTo("ok"));
        Assert.That(runner.Calls, Has.Count.EqualTo(3));
    }

    [Test]
    public void Permanent_errors_fail_at_once()
    {
        var runner = new RecordingProcessRunner(new KubectlResult(1, string.Empty, "Error from server (Forbidden): pods is forbidden: User cannot list resource"));

        var failure = Assert.ThrowsAsync<KubectlException>(() => Kubectl(runner).RunAsync(new ProcessArgumentBuilder().Append("get").Append("pods")));

        Assert.That(runner.Calls, Has.Count.EqualTo(1));
        Assert.That(failure!.Message, Does.Contain("Forbidden"));
    }

    [Test]
    public void Retries_end_with_an_error_that_names_the_context_and_the_fix()
    {
        var runner = new RecordingProcessRunner(new KubectlResult(1, string.Empty, "Error from server (TooManyRequests): please try again later"));

        var failure = Assert.ThrowsAsync<KubectlException>(() => Kubectl(runner).RunAsync(new ProcessArgumentBuilder().Append("get").Append("pods")));

        Assert.That(runner.Calls, Has.Count.EqualTo(Fast.MaxRetries + 1));
        Assert.That(failure!.Message, Does.Contain("kept failing after 4 attempts").And.Contain("TooManyRequests").And.Contain("cluster-info").And.Contain("gke_p_r_c"));
    }

    [Test]
    public void Generated_passwords_are_url_safe_and_32_characters()
    {
        var passwords = Enumerable.Range(0, 20).Select(_ => DatabaseCredentials.GeneratePassword()).ToList();

        Assert.That(passwords, Has.All.Match("^[A-Za-z0-9]{32}$"));
        Assert.That(passwords.Distinct().Count(), Is.EqualTo(passwords.Count));
    }

    private static KubectlSettings Settings() => new() { Context = "gke_p_r_c", Namespace = "ml flow", ToolPath = "/bin/true" };

    // These tests run kubectl only; reads go to the API server, which they never reach.
    private static Kubectl Kubectl(RecordingProcessRunner runner) =>
        new(Tool(runner), Settings(), new Lazy<KubeApi>(() => throw new InvalidOperationException("these tests read nothing")), new NullLog(), Fast);

    private static KubectlTool Tool(IProcessRunner runner)
    {
        var environment = new CakeEnvironment(new CakePlatform(), new CakeRuntime());
        return new KubectlTool(new FileSystem(), environment, runner, new NoToolLocator());
    }

    private sealed class NoToolLocator : IToolLocator
    {
        public void RegisterFile(FilePath path)
        {
        }

        public FilePath? Resolve(string tool) => null;

        public FilePath? Resolve(IEnumerable<string> toolExeNames) => null;
    }

    private sealed record Call(string Arguments, string? StandardInput);

    /// <summary>Answers each run with the next canned result (the last one repeats) and records what was asked.</summary>
    private sealed class RecordingProcessRunner(params KubectlResult[] results) : IProcessRunner
    {
        public List<Call> Calls { get; } = [];

        public IProcess Start(FilePath filePath, ProcessSettings settings)
        {
            var input = settings.StandardInput is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes.Span) : null;
            Calls.Add(new Call(settings.Arguments.RenderSafe(), input));
            return new CannedProcess(results[Math.Min(Calls.Count, results.Length) - 1]);
        }
    }

    private sealed class CannedProcess(KubectlResult result) : IProcess
    {
        public void Dispose()
        {
        }

        public void WaitForExit()
        {
        }

        public bool WaitForExit(int milliseconds) => true;

        public int GetExitCode() => result.ExitCode;

        public IEnumerable<string> GetStandardError() => result.Error.Split('\n');

        public IEnumerable<string> GetStandardOutput() => result.Output.Split('\n');

        public void Kill()
        {
        }
    }
}
