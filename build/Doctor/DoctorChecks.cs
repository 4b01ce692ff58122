using System.Net;
using System.Net.Sockets;
using Cake.Core;
using Cake.Core.IO;
using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Processes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Doctor;

/// <summary>Checks that this machine has what Deploy needs; reads only.</summary>
public sealed class DoctorChecks(ICakeContext context, DeploySettings settings)
{
    public const string GoogleCredentials = "Google credentials";
    private const string ExternalDiffVariable = "KUBECTL_EXTERNAL_DIFF";
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(15);

    public IReadOnlyList<DoctorCheck> Run()
    {
        var checks = new List<DoctorCheck>
        {
            CheckTool("dotnet", "dotnet", ["--version"], "install the .NET 10 SDK and put dotnet on PATH"),
            CheckTool("docker CLI", "docker", ["--version"], "install the docker CLI (Debian: apt-get install docker.io) and put docker on PATH"),
        };
        if (checks[^1].Passed)
        {
            checks.Add(CheckTool("docker daemon", "docker", ["version", "--format", "{{.Server.Version}}"], "start the docker daemon (sudo systemctl start docker, or dockerd) and check DOCKER_HOST"));
        }

        var kubectl = CheckTool("kubectl", "kubectl", ["version", "--client=true"], "install kubectl (Debian: apt-get install kubectl from Google's repository, or gcloud components install kubectl)");
        checks.Add(kubectl);
        if (kubectl.Passed)
        {
            checks.Add(CheckKubeContext());
            if (checks[^1].Passed && settings.MlflowHostname is { } hostname)
            {
                checks.Add(CheckIngress(hostname));
            }
        }

        checks.Add(CheckDiff());

        checks.Add(CheckApplicationDefaultCredentials());
        return checks;
    }

    private DoctorCheck CheckTool(string name, string tool, string[] arguments, string fix)
    {
        var path = context.Tools.Resolve(tool);
        if (path == null)
        {
            return new DoctorCheck(name, false, $"'{tool}' was not found on PATH", fix);
        }

        var (exitCode, output) = RunProbe(path, arguments);
        return exitCode == 0
            ? new DoctorCheck(name, true, output.FirstOrDefault() ?? path.FullPath, fix)
            : new DoctorCheck(name, false, $"'{tool} {string.Join(' ', arguments)}' exited with {exitCode}: {string.Join(' ', output.Take(3))}", fix);
    }

    // kubectl diff, which Apply runs to show what would change, runs diff (or the program KUBECTL_EXTERNAL_DIFF names).
    private DoctorCheck CheckDiff()
    {
        var external = context.Environment.GetEnvironmentVariable(ExternalDiffVariable)?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return external == null
            ? CheckTool("diff", "diff", ["--version"], "install diff (Debian: apt-get install diffutils); kubectl diff, which Apply runs, needs it")
            : CheckTool("diff", external, ["--version"], $"install {external}, or unset {ExternalDiffVariable} to use diff");
    }

    private DoctorCheck CheckKubeContext()
    {
        const string check = "kube context";
        if (settings.KubeContext == null)
        {
            return new DoctorCheck(check, false, "no context is set", $"{SettingNames.KubeContext}: {SettingNames.Get(SettingNames.KubeContext).RequiredHint(settings.Database)}", Required: false);
        }

        return Kubeconfig.Load(context.Environment).Contexts.Contains(settings.KubeContext)
            ? new DoctorCheck(check, true, settings.KubeContext, string.Empty)
            : new DoctorCheck(check, false, $"context '{settings.KubeContext}' is not in the kubeconfig", $"run: gcloud container clusters get-credentials {CredentialsHint()}");
    }

    /// <summary>EXPOSE=ingress: the address GKE gave the Ingress, the DNS record it needs, and whether the hostname resolves to it.</summary>
    private DoctorCheck CheckIngress(string hostname)
    {
        const string check = "ingress address";
        var ip = ProbeIngress("ingress", "{.status.loadBalancer.ingress[0].ip}");
        var state = new IngressState(ip != null, IPAddress.TryParse(ip, out var address) ? address : null, ProbeIngress("managedcertificate", "{.status.certificateStatus}") is { Length: > 0 } status ? status : null);
        var resolved = state.Address == null ? [] : Resolve(hostname);
        var detail = state.Describe(hostname) + (state.Address == null ? string.Empty : $" {hostname} resolves to {(resolved.Count == 0 ? "nothing" : string.Join(", ", resolved))}.");
        return new DoctorCheck(check, state.Address != null && resolved.Contains(state.Address), detail, $"create the DNS A record {hostname}. → the Ingress's address at your DNS provider (Cloud DNS: gcloud dns record-sets create {hostname}. --zone=ZONE --type=A --ttl=300 --rrdatas=ADDRESS)", Required: false);
    }

    /// <summary>A field of the suite's object of <paramref name="kind"/>: null when the object does not exist, empty when the field is not set.</summary>
    private string? ProbeIngress(string kind, string field)
    {
        var (exitCode, output) = RunProbe(context.Tools.Resolve("kubectl")!, ["--context", settings.KubeContext!, "--namespace", settings.Namespace, "get", kind, IngressAddress.IngressName, $"--output=jsonpath=value={field}"]);
        return exitCode == 0 && output.FirstOrDefault(line => line.StartsWith("value=", StringComparison.Ordinal)) is { } line ? line["value=".Length..] : null;
    }

    private static IReadOnlyList<IPAddress> Resolve(string hostname)
    {
        try
        {
            return Dns.GetHostAddresses(hostname);
        }
        catch (SocketException)
        {
            return [];
        }
    }

    private string CredentialsHint() =>
        settings.DefaultOf(SettingNames.KubeContext) != null
            ? $"{settings.ClusterName} --region {settings.Region} --project {settings.ProjectId}"
            : "CLUSTER --region REGION --project PROJECT";

    private DoctorCheck CheckApplicationDefaultCredentials()
    {
        const string check = GoogleCredentials;
        const string fix = "run 'gcloud auth application-default login', or in GitHub Actions use google-github-actions/auth, or set GOOGLE_OAUTH_ACCESS_TOKEN";
        if (!string.IsNullOrEmpty(context.Environment.GetEnvironmentVariable("GOOGLE_OAUTH_ACCESS_TOKEN")))
        {
            return new DoctorCheck(check, true, "GOOGLE_OAUTH_ACCESS_TOKEN is set", fix);
        }

        var explicitFile = context.Environment.GetEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS");
        if (!string.IsNullOrEmpty(explicitFile))
        {
            return context.FileSystem.Exist(new FilePath(explicitFile))
                ? new DoctorCheck(check, true, $"GOOGLE_APPLICATION_CREDENTIALS={explicitFile}", fix)
                : new DoctorCheck(check, false, $"GOOGLE_APPLICATION_CREDENTIALS points to '{explicitFile}', which does not exist", fix);
        }

        var home = context.Environment.GetEnvironmentVariable("HOME") ?? string.Empty;
        var wellKnown = new DirectoryPath(home).Combine(".config/gcloud").CombineWithFilePath("application_default_credentials.json");
        return context.FileSystem.Exist(wellKnown)
            ? new DoctorCheck(check, true, wellKnown.FullPath, fix)
            : new DoctorCheck(check, false, "no application default credentials were found", fix);
    }

    private (int ExitCode, List<string> Output) RunProbe(FilePath tool, string[] arguments)
    {
        var builder = new ProcessArgumentBuilder();
        foreach (var argument in arguments)
        {
            builder.AppendQuoted(argument);
        }

        using var process = context.ProcessRunner.Start(tool, new ProcessSettings { Arguments = builder, RedirectStandardOutput = true, RedirectStandardError = true, Silent = true });
        if (!process.WaitForExitWithin(ProbeTimeout))
        {
            return (-1, [$"no answer within {ProbeTimeout.TotalSeconds:0} s"]);
        }

        var output = process.GetStandardOutput().Concat(process.GetStandardError()).Where(line => line.Length > 0).ToList();
        return (process.GetExitCode(), output);
    }
}
