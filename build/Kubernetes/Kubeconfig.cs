using System.Text;
using Cake.Core;
using k8s;
using k8s.KubeConfigModels;
using YamlDotNet.RepresentationModel;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The kubeconfig as kubectl reads it: the files KUBECONFIG lists (an entry from an earlier file wins), else
/// ~/.kube/config; parsed in-process, so learning the contexts starts no kubectl, and the API client for reads is
/// built from the same entries (server, certificates, token, exec plugin or auth provider). The YAML is read as nodes and
/// mapped by hand: the reflection-based deserializer costs a tenth of a second of start-up on every run.
/// </summary>
public sealed class Kubeconfig
{
    private readonly K8SConfiguration _config;

    private Kubeconfig(K8SConfiguration config)
    {
        _config = config;
    }

    /// <summary>The current context, or null when none is set.</summary>
    public string? CurrentContext => _config.CurrentContext is { Length: > 0 } name ? name : null;

    public IReadOnlyList<string> Contexts => [.. (_config.Contexts ?? []).Select(context => context.Name)];

    public static Kubeconfig Load(ICakeEnvironment environment) =>
        Load(environment.GetEnvironmentVariable("KUBECONFIG"), environment.GetEnvironmentVariable("HOME") ?? string.Empty);

    /// <summary>The files <paramref name="kubeconfigVariable"/> lists (KUBECONFIG), else <paramref name="home"/>/.kube/config.</summary>
    public static Kubeconfig Load(string? kubeconfigVariable, string home)
    {
        var files = kubeconfigVariable is { Length: > 0 } list
            ? list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            : [Path.Combine(home, ".kube", "config")];
        var merged = new K8SConfiguration { Clusters = [], Users = [], Contexts = [] };
        foreach (var file in files.Where(File.Exists))
        {
            var config = Parse(file);
            var folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
            merged.Clusters = FirstWins(merged.Clusters, config.Clusters, cluster => cluster.Name, cluster =>
            {
                cluster.ClusterEndpoint?.CertificateAuthority = Absolute(folder, cluster.ClusterEndpoint.CertificateAuthority);
            });
            merged.Users = FirstWins(merged.Users, config.Users, user => user.Name, user =>
            {
                user.UserCredentials?.ClientCertificate = Absolute(folder, user.UserCredentials.ClientCertificate);
                user.UserCredentials?.ClientKey = Absolute(folder, user.UserCredentials.ClientKey);
            });
            merged.Contexts = FirstWins(merged.Contexts, config.Contexts, context => context.Name, _ => { });
            merged.CurrentContext = merged.CurrentContext is { Length: > 0 } ? merged.CurrentContext : config.CurrentContext;
        }

        return new Kubeconfig(merged);
    }

    private static K8SConfiguration Parse(string file)
    {
        var root = YamlNodes.Load(file).FirstOrDefault();
        return new K8SConfiguration
        {
            CurrentContext = root.Text("current-context"),
            Clusters = Entries(root, "clusters", "cluster", (name, cluster) => new Cluster
            {
                Name = name,
                ClusterEndpoint = new ClusterEndpoint
                {
                    Server = cluster.Text("server"),
                    CertificateAuthority = cluster.Text("certificate-authority"),
                    CertificateAuthorityData = cluster.Text("certificate-authority-data"),
                    SkipTlsVerify = cluster.Text("insecure-skip-tls-verify") == "true",
                    TlsServerName = cluster.Text("tls-server-name"),
                },
            }),
            Users = Entries(root, "users", "user", (name, user) => new User { Name = name, UserCredentials = Credentials(user) }),
            Contexts = Entries(root, "contexts", "context", (name, context) => new Context
            {
                Name = name,
                ContextDetails = new ContextDetails { Cluster = context.Text("cluster"), User = context.Text("user"), Namespace = context.Text("namespace") },
            }),
        };
    }

    private static UserCredentials Credentials(YamlMappingNode? user) => new()
    {
        Token = user.Text("token"),
        ClientCertificate = user.Text("client-certificate"),
        ClientCertificateData = user.Text("client-certificate-data"),
        ClientKey = user.Text("client-key"),
        ClientKeyData = user.Text("client-key-data"),
        UserName = user.Text("username"),
        Password = user.Text("password"),
        ExternalExecution = user.Child("exec") is { } exec
            ? new ExternalExecution
            {
                ApiVersion = exec.Text("apiVersion"),
                Command = exec.Text("command"),
                Arguments = [.. exec.Items("args").OfType<YamlScalarNode>().Select(argument => argument.Value ?? string.Empty)],
                EnvironmentVariables = [.. exec.Items("env").OfType<YamlMappingNode>().Select(variable => new Dictionary<string, string> { ["name"] = variable.Text("name") ?? string.Empty, ["value"] = variable.Text("value") ?? string.Empty })],
                InstallHint = exec.Text("installHint"),
                ProvideClusterInfo = exec.Text("provideClusterInfo") == "true",
            }
            : null,
        AuthProvider = user.Child("auth-provider") is { } provider
            ? new AuthProvider
            {
                Name = provider.Text("name"),
                Config = provider.Child("config").Scalars(),
            }
            : null,
    };

    // "clusters: [{name: N, cluster: {...}}]" and the like.
    private static List<T> Entries<T>(YamlMappingNode? root, string list, string body, Func<string, YamlMappingNode?, T> create) =>
        [.. root.Items(list).OfType<YamlMappingNode>().Select(entry => create(entry.Text("name") ?? string.Empty, entry.Child(body)))];

    // As kubectl merges KUBECONFIG: the first file to name an entry wins; relative paths are relative to their own file.
    private static List<T> FirstWins<T>(IEnumerable<T> earlier, IEnumerable<T>? later, Func<T, string> name, Action<T> absolutize)
    {
        var entries = earlier.ToList();
        foreach (var entry in later ?? [])
        {
            if (entries.All(known => name(known) != name(entry)))
            {
                absolutize(entry);
                entries.Add(entry);
            }
        }

        return entries;
    }

    private static string? Absolute(string folder, string? path) => string.IsNullOrEmpty(path) ? path : Path.GetFullPath(path, folder);

    /// <summary>The cluster entry <paramref name="context"/> points at; null when the context is not in the kubeconfig.</summary>
    public string? ClusterOf(string context) =>
        (_config.Contexts ?? []).FirstOrDefault(entry => entry.Name == context)?.ContextDetails?.Cluster;

    /// <summary>A connection to the API server of <paramref name="context"/>, authenticated as kubectl would be.</summary>
    public KubeConnection ConnectionFor(string context)
    {
        var configuration = IsAnonymous(context) ? AnonymousConfiguration(context) : KubernetesClientConfiguration.BuildConfigFromConfigObject(_config, context);
        configuration.HttpClientTimeout = KubectlTool.RequestTimeout;
        return new KubeConnection(new k8s.Kubernetes(configuration), configuration);
    }

    // kubectl talks to a cluster without credentials (user: {}); the client library refuses such a user, so that case is built here.
    private bool IsAnonymous(string context)
    {
        var userName = (_config.Contexts ?? []).FirstOrDefault(entry => entry.Name == context)?.ContextDetails?.User;
        var credentials = (_config.Users ?? []).FirstOrDefault(user => user.Name == userName)?.UserCredentials;
        return credentials == null || (credentials.Token == null && credentials.ClientCertificate == null && credentials.ClientCertificateData == null
            && credentials.ExternalExecution == null && credentials.AuthProvider == null && credentials.UserName == null);
    }

    private KubernetesClientConfiguration AnonymousConfiguration(string context)
    {
        var clusterName = ClusterOf(context);
        var endpoint = (_config.Clusters ?? []).FirstOrDefault(cluster => cluster.Name == clusterName)?.ClusterEndpoint
            ?? throw new InvalidOperationException($"Kube context '{context}' names cluster '{clusterName}', which is not in the kubeconfig.");
        var configuration = new KubernetesClientConfiguration { Host = endpoint.Server, SkipTlsVerify = endpoint.SkipTlsVerify, TlsServerName = endpoint.TlsServerName };
        var authority = endpoint.CertificateAuthorityData is { Length: > 0 } data
            ? Encoding.UTF8.GetString(Convert.FromBase64String(data))
            : endpoint.CertificateAuthority is { Length: > 0 } file ? File.ReadAllText(file) : null;
        if (authority != null)
        {
            configuration.SslCaCerts = [];
            configuration.SslCaCerts.ImportFromPem(authority);
        }

        return configuration;
    }
}
