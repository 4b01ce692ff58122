using System.Text.RegularExpressions;

namespace MlflowGke.Build.Settings;

/// <summary>The parsers of settings whose rules are more than a pattern, and the patterns they share.</summary>
public static partial class SettingRules
{
    public const string ProxyServiceAccountPrefix = "mlflow-csql-proxy-";

    public static SettingParser ProjectId { get; } = SettingParser.Pattern(ProjectIdPattern(), "a project ID has 6 to 30 lowercase letters, digits or hyphens, starts with a letter and does not end with a hyphen");

    public static SettingParser Region { get; } = SettingParser.Pattern(RegionPattern(), "a region looks like europe-west1 or us-central1");

    public static SettingParser ClusterName { get; } = SettingParser.Pattern(ClusterNamePattern(), "a cluster name has up to 40 lowercase letters, digits or hyphens and starts with a letter");

    public static SettingParser ServiceAccountId { get; } = SettingParser.Pattern(ServiceAccountIdPattern(), "a service account ID has 6 to 30 characters, [a-z][-a-z0-9]*[a-z0-9] (the part before @, not the e-mail)");

    public static SettingParser ResourceSuffix { get; } = SettingParser.Pattern(ResourceSuffixPattern(), $"the suffix has 1 to 12 lowercase letters, digits or hyphens, so that {ProxyServiceAccountPrefix}SUFFIX stays within 30 characters");

    /// <summary>A DNS label, and not a namespace Kubernetes keeps for itself (kube-*) or the shared default.</summary>
    public static SettingParser Namespace { get; } = SettingParser.Pattern(DnsLabelPattern(), "a namespace is a DNS label: up to 63 lowercase letters, digits or hyphens, starting and ending with a letter or digit")
        .Check<string>(name => name == "default" || name.StartsWith("kube-", StringComparison.Ordinal)
            ? "kube-* namespaces belong to Kubernetes and 'default' is shared by everything without a namespace; give MLflow its own, such as mlflow"
            : null);

    public static SettingParser KubeContext { get; } = SettingParser.Pattern(KubeContextPattern(), "a kube context name has up to 253 letters, digits, '.', '_', '-', '@', ':' or '/'");

    /// <summary>
    /// A path resolved against the repository, which must stay inside it, symbolic links followed: everything in it is
    /// hashed, sent to docker and trusted.
    /// </summary>
    public static SettingParser PathInRepository { get; } = new((value, settings) =>
    {
        string root, full;
        try
        {
            root = Path.TrimEndingDirectorySeparator(RealPath(Path.GetFullPath(settings.WorkingDirectory)));
            full = RealPath(Path.GetFullPath(value, settings.WorkingDirectory));
        }
        catch (IOException)
        {
            return SettingParse.Fail("the path cannot be resolved: a symbolic link on it loops");
        }

        return full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? SettingParse.Ok(value)
            : SettingParse.Fail($"the path resolves to {PrintableText.Of(full)}, outside the repository {root}; give a path inside it");
    });

    public static SettingParser RepositoryId { get; } = SettingParser.Pattern(DnsLabelPattern(), "a repository ID has lowercase letters, digits and hyphens");

    public static SettingParser ImageRepository { get; } = SettingParser.Pattern(ImageRepositoryPattern(), "an image repository looks like REGISTRY[:PORT]/PATH/NAME in lowercase, without a tag");

    public static SettingParser ImageMirror { get; } = SettingParser.Pattern(ImageMirrorPattern(), "a mirror is a registry host (with a dot, or localhost), an optional :PORT and an optional /PATH in lowercase, such as europe-docker.pkg.dev/my-proj/mirror or 127.0.0.1:5000");

    public static SettingParser ImageTag { get; } = SettingParser.Pattern(ImageTagPattern(), "a tag has up to 128 letters, digits, '_', '.' or '-' and does not start with '.' or '-'");

    public static SettingParser DumpFile { get; } = SettingParser.Pattern(DumpFilePattern(), "a dump is named as Apply printed it on the volume mlflow-backups, e.g. mlflowdb-20261130-001502-schema-7f2a7d5fae7d.dump (a file name, no folder)");

    public static SettingParser DatabaseUser { get; } = SettingParser.Pattern(DatabaseUserPattern(), "a database user has up to 32 lowercase letters, digits or '_' and starts with a letter or '_'");

    /// <summary>Basic authentication separates user and password with ':', so a user name cannot hold one.</summary>
    public static SettingParser MlflowUsername { get; } = SettingParser.Pattern(MlflowUsernamePattern(), "an MLflow user name has 1 to 64 characters, none of them ':' or a space");

    /// <summary>
    /// basic, iap or none, with what each needs of EXPOSE: without a login MLflow must not be published, and IAP sits on the
    /// load balancer that EXPOSE=ingress creates.
    /// </summary>
    public static SettingParser Auth { get; } = new((value, settings) =>
    {
        var parsed = SettingParser.Choice(("basic", AuthMode.Basic), ("iap", AuthMode.Iap), ("none", AuthMode.None)).Parse(value, settings);
        return (parsed.Value, settings.Get(SettingNames.Expose)) switch
        {
            (AuthMode.None, ExposeMode.Ingress) => SettingParse.Fail($"{SettingNames.Expose}=ingress publishes MLflow on the internet, and AUTH=none would let anyone who finds the address read and write every run and artifact; set AUTH=basic (the default) or AUTH=iap, or {SettingNames.Expose}=none"),
            (AuthMode.Iap, not ExposeMode.Ingress) => SettingParse.Fail($"Identity-Aware Proxy runs on the load balancer that {SettingNames.Expose}=ingress creates, and {SettingNames.Expose} is none; set {SettingNames.Expose}=ingress and {SettingNames.MlflowHostname}, or AUTH=basic"),
            _ => parsed,
        };
    });

    /// <summary>none or ingress; ingress needs the hostname the certificate and MLflow's host check are made for.</summary>
    public static SettingParser Expose { get; } = new((value, settings) =>
    {
        var parsed = SettingParser.Choice(("none", ExposeMode.None), ("ingress", ExposeMode.Ingress)).Parse(value, settings);
        return parsed.Value is ExposeMode.Ingress && !settings.IsSet(SettingNames.MlflowHostname)
            ? SettingParse.Fail($"ingress serves MLflow at https://{SettingNames.MlflowHostname} with a certificate for that name; set {SettingNames.MlflowHostname} (for example mlflow.example.com), a name whose DNS you can point at the Ingress")
            : parsed;
    });

    /// <summary>A fully qualified DNS name a Google-managed certificate can be issued for: no wildcard, at most 63 characters.</summary>
    public static SettingParser Hostname { get; } = SettingParser.Pattern(HostnamePattern(), "a hostname is a lowercase DNS name with at least one dot, such as mlflow.example.com, at most 63 characters (a Google-managed certificate's limit), without scheme, port, path or wildcard");

    public static SettingParser OAuthClientId { get; } = SettingParser.Pattern(OAuthClientIdPattern(), "an OAuth client ID looks like 123456789012-abc123def456.apps.googleusercontent.com (APIs & Services → Credentials in the console)");

    /// <summary>An absolute http(s) URL without credentials, which would otherwise be printed in the logs.</summary>
    public static SettingParser HttpUrl { get; } = new((value, _) =>
        !Uri.TryCreate(value, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            ? SettingParse.Fail("expected an absolute http or https URL such as https://mlflow.example.com or http://127.0.0.1:5000")
            : url.UserInfo.Length > 0
                ? SettingParse.Fail("give the URL without credentials (user:password@); they would be printed in the logs")
                : SettingParse.Ok(url));

    /// <summary>A bucket name, or gs://name; the value is the name alone.</summary>
    public static SettingParser Bucket { get; } = new((value, _) =>
    {
        var name = value.StartsWith("gs://", StringComparison.Ordinal) ? value["gs://".Length..].TrimEnd('/') : value;
        if (name.Contains('/'))
        {
            return SettingParse.Fail($"give the bucket only, without a path (for example gs://{name[..name.IndexOf('/')]}); the suite chooses the path inside it");
        }

        return !BucketPattern().IsMatch(name) || name.StartsWith("goog", StringComparison.Ordinal) || name.Contains("google") || name.Contains("..")
            ? SettingParse.Fail("a bucket name has 3 to 63 lowercase letters, digits, '-', '_' or '.', starts and ends with a letter or digit, and neither starts with 'goog' nor contains 'google'")
            : SettingParse.Ok(name);
    });

    /// <summary>A label as a namespace selector matches it, KEY=VALUE: KEY an optional DNS-subdomain prefix and a name, VALUE a label value.</summary>
    public static SettingParser NamespaceLabel { get; } = new((value, _) =>
    {
        var parts = value.Split('=', 2);
        var key = parts[0];
        var prefix = key.Contains('/') ? key[..key.IndexOf('/')] : null;
        var name = key[(key.IndexOf('/') + 1)..];
        return parts.Length == 2 && LabelNamePattern().IsMatch(name) && LabelNamePattern().IsMatch(parts[1])
            && (prefix == null || (prefix.Length <= 253 && prefix.Split('.').All(DnsLabelPattern().IsMatch)))
            ? SettingParse.Ok(new NamespaceLabel(key, parts[1]))
            : SettingParse.Fail("expected one label as KEY=VALUE, such as mlflow-client=true or example.com/team=ml: KEY and VALUE up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, KEY optionally prefixed by a DNS name and '/'");
    });

    /// <summary>PROJECT:REGION:INSTANCE, or a bare instance name expanded with PROJECT_ID and REGION.</summary>
    public static SettingParser CloudSqlInstance { get; } = new((value, settings) =>
    {
        var parts = value.Split(':');
        if (parts.Length == 1 && value.Count(c => c == '.') == 2)
        {
            var dotted = value.Split('.');
            return SettingParse.Fail($"a connection name uses colons, not dots: {dotted[0]}:{dotted[1]}:{dotted[2]}");
        }

        if (parts.Length == 3 && ProjectIdPattern().IsMatch(parts[0]) && RegionPattern().IsMatch(parts[1]) && InstancePattern().IsMatch(parts[2]))
        {
            return SettingParse.Ok(new CloudSqlInstance(parts[0], parts[1], parts[2]));
        }

        if (parts.Length == 1 && InstancePattern().IsMatch(value))
        {
            return settings.Get(SettingNames.ProjectId) is string project && settings.Get(SettingNames.Region) is string region
                ? SettingParse.Ok(new CloudSqlInstance(project, region, value))
                : SettingParse.Fail("a bare instance name needs PROJECT_ID and REGION to expand to PROJECT:REGION:INSTANCE; set them or give the full connection name");
        }

        return SettingParse.Fail("expected PROJECT:REGION:INSTANCE (for example my-project:europe-west1:mlflow-db) or a bare instance name");
    });

    /// <summary>The absolute path with every symbolic link along it replaced by its final target.</summary>
    private static string RealPath(string fullPath)
    {
        var current = Path.GetPathRoot(fullPath)!;
        foreach (var part in fullPath[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            if (new FileInfo(current).LinkTarget != null && new FileInfo(current).ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                current = RealPath(Path.GetFullPath(target.FullName));
            }
        }

        return current;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
    private static partial Regex ProjectIdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\\.dump$")]
    private static partial Regex DumpFilePattern();

    [GeneratedRegex("^[A-Za-z0-9._@:/-]{1,253}$")]
    private static partial Regex KubeContextPattern();

    [GeneratedRegex("^[a-z]+-[a-z]+[0-9]+$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$")]
    private static partial Regex ClusterNamePattern();

    [GeneratedRegex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$")]
    private static partial Regex ServiceAccountIdPattern();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$")]
    private static partial Regex ResourceSuffixPattern();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabelPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketPattern();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex LabelNamePattern();

    [GeneratedRegex("^[a-z]([-a-z0-9]{0,96}[a-z0-9])?$")]
    private static partial Regex InstancePattern();

    [GeneratedRegex("^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")]
    private static partial Regex ImageRepositoryPattern();

    [GeneratedRegex("^(?:[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)+|localhost)(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")]
    private static partial Regex ImageMirrorPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex ImageTagPattern();

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,31}$")]
    private static partial Regex DatabaseUserPattern();

    [GeneratedRegex(@"^(?=.{4,63}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z][-a-z0-9]{0,61}[a-z0-9]$")]
    private static partial Regex HostnamePattern();

    [GeneratedRegex(@"^[0-9]+-[a-z0-9]+\.apps\.googleusercontent\.com$")]
    private static partial Regex OAuthClientIdPattern();

    [GeneratedRegex(@"^[^\s:]{1,64}$")]
    private static partial Regex MlflowUsernamePattern();
}
