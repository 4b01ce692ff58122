using System.Text;
using System.Text.Json.Nodes;
using Cake.Core;
using Cake.Core.IO;
using MlflowGke.Build.Processes;

namespace MlflowGke.Build.Docker;

/// <summary>
/// Registry credentials from docker's own config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json), read
/// as docker reads them: <c>credHelpers</c> for the host, then <c>credsStore</c>, then <c>auths</c>. That is what
/// <c>gcloud auth configure-docker</c> (a credHelpers entry for docker-credential-gcloud) and docker/login-action
/// write in GitHub Actions, so the registry check authenticates exactly as <c>docker push</c> does. Helpers get
/// the host on standard input and answer on standard output: no secret is ever on a command line.
/// </summary>
public sealed class DockerConfigCredentials(ICakeContext context) : IRegistryCredentials
{
    private static readonly TimeSpan HelperTimeout = TimeSpan.FromSeconds(30);

    public RegistryCredential? For(string host)
    {
        var config = ReadConfig();
        if (config == null)
        {
            return null;
        }

        var helper = config["credHelpers"]?[host]?.GetValue<string>() ?? config["credsStore"]?.GetValue<string>();
        return helper != null ? FromHelper(helper, host) : FromAuths(config["auths"] as JsonObject, host);
    }

    private JsonNode? ReadConfig()
    {
        var directory = context.Environment.GetEnvironmentVariable("DOCKER_CONFIG")
            ?? System.IO.Path.Combine(context.Environment.GetEnvironmentVariable("HOME") ?? context.Environment.GetSpecialPath(SpecialPath.LocalApplicationData).FullPath, ".docker");
        var file = System.IO.Path.Combine(directory, "config.json");
        return File.Exists(file) ? JsonNode.Parse(File.ReadAllText(file)) : null;
    }

    private static RegistryCredential? FromAuths(JsonObject? auths, string host)
    {
        var entry = auths?.FirstOrDefault(pair => pair.Key == host || pair.Key == $"https://{host}" || pair.Key == $"http://{host}").Value;
        if (entry?["auth"]?.GetValue<string>() is { Length: > 0 } encoded)
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = decoded.IndexOf(':');
            return colon > 0 ? new RegistryCredential(decoded[..colon], decoded[(colon + 1)..]) : null;
        }

        return entry?["username"]?.GetValue<string>() is { } username && entry["password"]?.GetValue<string>() is { } password
            ? new RegistryCredential(username, password)
            : null;
    }

    private RegistryCredential? FromHelper(string helper, string host)
    {
        var executable = $"docker-credential-{helper}";
        var path = context.Tools.Resolve(executable)
            ?? throw new InvalidOperationException($"Docker's config names the credential helper '{helper}' for {host}, but '{executable}' is not on PATH. Install it (for gcloud: gcloud components install docker-credential-gcr, or use gcloud auth configure-docker) or remove it from config.json.");
        var settings = new ProcessSettings { Arguments = new ProcessArgumentBuilder().Append("get"), RedirectStandardOutput = true, RedirectStandardError = true, Silent = true }
            .SetStandardInput(host);
        using var process = context.ProcessRunner.Start(path, settings);
        if (!process.WaitForExitWithin(HelperTimeout))
        {
            throw new TimeoutException($"The docker credential helper '{executable}' gave no answer for {host} within {HelperTimeout.TotalSeconds:0} s.");
        }

        // A helper exits non-zero with "credentials not found" when it has nothing for the host: read anonymously.
        if (process.GetExitCode() != 0)
        {
            return null;
        }

        var answer = JsonNode.Parse(string.Join('\n', process.GetStandardOutput()));
        return answer?["Secret"]?.GetValue<string>() is { Length: > 0 } secret
            ? new RegistryCredential(answer["Username"]?.GetValue<string>() ?? string.Empty, secret)
            : null;
    }
}
