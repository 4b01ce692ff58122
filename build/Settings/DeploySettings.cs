using System.Globalization;
using System.Text.RegularExpressions;

namespace MlflowGke.Build.Settings;

/// <summary>
/// The suite's settings, parsed and validated once. Values that fail validation are kept out of the typed
/// properties and reported through <see cref="Errors"/>; required settings are checked per task by
/// <see cref="MissingFor"/>. A property whose setting is missing throws, which validation prevents.
/// </summary>
public sealed partial class DeploySettings
{
    private const string GoogleServiceAccountDomain = "iam.gserviceaccount.com";
    private const string ProxyServiceAccountPrefix = "mlflow-csql-proxy-";

    private readonly Dictionary<string, ResolvedSetting> _resolved;
    private readonly List<SettingError> _errors = [];
    private readonly string? _projectId;
    private readonly string? _region;
    private readonly string? _clusterName;
    private readonly string? _bucket;
    private readonly CloudSqlInstance? _cloudSqlInstance;
    private readonly string? _mlflowServiceAccountId;
    private readonly string? _resourceSuffix;
    private readonly string? _imageRepository;
    private readonly string? _databasePassword;

    public DeploySettings(IReadOnlyList<ResolvedSetting> resolved)
    {
        _resolved = resolved.ToDictionary(setting => setting.Definition.Name);

        _projectId = Parse(SettingNames.ProjectId, ProjectIdPattern(), "a project ID has 6 to 30 lowercase letters, digits or hyphens, starts with a letter and does not end with a hyphen");
        _region = Parse(SettingNames.Region, RegionPattern(), "a region looks like europe-west1 or us-central1");
        _clusterName = Parse(SettingNames.ClusterName, ClusterNamePattern(), "a cluster name has up to 40 lowercase letters, digits or hyphens and starts with a letter");
        _bucket = ParseBucket();
        _mlflowServiceAccountId = Parse(SettingNames.MlflowServiceAccountId, ServiceAccountIdPattern(), "a service account ID has 6 to 30 characters, [a-z][-a-z0-9]*[a-z0-9] (the part before @, not the e-mail)");
        _resourceSuffix = Parse(SettingNames.ResourceSuffix, ResourceSuffixPattern(), $"the suffix has 1 to 12 lowercase letters, digits or hyphens, so that {ProxyServiceAccountPrefix}SUFFIX stays within 30 characters");
        Namespace = Parse(SettingNames.Namespace, DnsLabelPattern(), "a namespace is a DNS label: up to 63 lowercase letters, digits or hyphens, starting and ending with a letter or digit") ?? "mlflow";
        _cloudSqlInstance = ParseCloudSqlInstance();
        Database = ParseChoice(SettingNames.Database, new Dictionary<string, DatabasePath> { ["in-cluster"] = DatabasePath.InCluster, ["cloud-sql"] = DatabasePath.CloudSql })
            ?? (_resolved[SettingNames.CloudSqlInstanceName].Value != null ? DatabasePath.CloudSql : DatabasePath.InCluster);
        CloudSqlEngine = ParseChoice(SettingNames.CloudSqlEngine, new Dictionary<string, CloudSqlEngine> { ["postgres"] = Settings.CloudSqlEngine.Postgres, ["mysql"] = Settings.CloudSqlEngine.MySql })
            ?? Settings.CloudSqlEngine.Postgres;
        CloudSqlPrivateIp = ParseBool(SettingNames.CloudSqlPrivateIp);
        DeleteData = ParseBool(SettingNames.DeleteData);
        IsPlan = ParseBool(SettingNames.Plan);
        WaitTimeout = ParseDuration(SettingNames.WaitTimeout) ?? TimeSpan.FromMinutes(10);
        MlflowUrl = ParseHttpUrl(SettingNames.MlflowUrl);
        DatabaseUser = Parse(SettingNames.DatabaseUser, DatabaseUserPattern(), "a database user has up to 32 lowercase letters, digits or '_' and starts with a letter or '_'") ?? "mlflow";
        _databasePassword = Value(SettingNames.DatabasePassword);
        GoogleRetryDelay = ParseDuration(SettingNames.GoogleRetryDelay) ?? TimeSpan.FromSeconds(1);
        KubeContext = Value(SettingNames.KubeContext)
            ?? (_projectId != null && _region != null && _clusterName != null ? $"gke_{_projectId}_{_region}_{_clusterName}" : null);
        ArtifactRegistryRepository = Parse(SettingNames.ArtifactRegistryRepository, DnsLabelPattern(), "a repository ID has lowercase letters, digits and hyphens") ?? "mlflow";
        _imageRepository = Parse(SettingNames.ImageRepository, ImageRepositoryPattern(), "an image repository looks like REGISTRY[:PORT]/PATH/NAME in lowercase, without a tag")
            ?? (_projectId != null && _region != null ? $"{_region}-docker.pkg.dev/{_projectId}/{ArtifactRegistryRepository}/mlflow" : null);
        ImageTag = Parse(SettingNames.ImageTag, ImageTagPattern(), "a tag has up to 128 letters, digits, '_', '.' or '-' and does not start with '.' or '-'");
        ImageContext = Value(SettingNames.ImageContext) ?? "deployment/mlflow-image";
        Dockerfile = Value(SettingNames.Dockerfile);
    }

    public IReadOnlyList<SettingError> Errors => _errors;

    public IReadOnlyCollection<ResolvedSetting> Resolved => _resolved.Values;

    public string ProjectId => Require(_projectId, SettingNames.ProjectId);

    public string Region => Require(_region, SettingNames.Region);

    public string ClusterName => Require(_clusterName, SettingNames.ClusterName);

    /// <summary>The bucket name, without gs://.</summary>
    public string BucketName => Require(_bucket, SettingNames.BucketNameMlflow);

    public CloudSqlInstance CloudSqlInstance => Require(_cloudSqlInstance, SettingNames.CloudSqlInstanceName);

    public string MlflowServiceAccountEmail => $"{Require(_mlflowServiceAccountId, SettingNames.MlflowServiceAccountId)}@{ProjectId}.{GoogleServiceAccountDomain}";

    public string ProxyServiceAccountId => ProxyServiceAccountPrefix + Require(_resourceSuffix, SettingNames.ResourceSuffix);

    public string ProxyServiceAccountEmail => $"{ProxyServiceAccountId}@{ProjectId}.{GoogleServiceAccountDomain}";

    public string Namespace { get; }

    public DatabasePath Database { get; }

    public CloudSqlEngine CloudSqlEngine { get; }

    public bool CloudSqlPrivateIp { get; }

    public bool DeleteData { get; }

    public bool IsPlan { get; }

    public TimeSpan WaitTimeout { get; }

    /// <summary>Where Verify reaches MLflow; null means through kubectl port-forward to svc/mlflow.</summary>
    public Uri? MlflowUrl { get; }

    public string DatabaseUser { get; }

    public string DatabasePassword => Require(_databasePassword, SettingNames.DatabasePassword);

    /// <summary>The first delay of Google API retries; propagation and operation waits are multiples of it.</summary>
    public TimeSpan GoogleRetryDelay { get; }

    /// <summary>The kube context; null when neither set nor derivable.</summary>
    public string? KubeContext { get; }

    public string ArtifactRegistryRepository { get; }

    public string ImageRepository => Require(_imageRepository, SettingNames.ImageRepository);

    /// <summary>The tag set by the user; null means "derive it from the image's build inputs".</summary>
    public string? ImageTag { get; }

    public string ImageContext { get; }

    public string? Dockerfile { get; }

    /// <summary>The value used for a setting that was not given: derived from other settings, or its default.</summary>
    public string? ValueWhenUnset(string name) => name switch
    {
        SettingNames.KubeContext => KubeContext,
        SettingNames.Database => Database.ToSettingValue(),
        SettingNames.ImageRepository => _imageRepository,
        _ => SettingNames.Get(name).Default,
    };

    /// <summary>Errors for settings that the given requirements need but that are missing.</summary>
    public IReadOnlyList<SettingError> MissingFor(IEnumerable<RequiresSettingsAttribute> requirements)
    {
        var present = new HashSet<string>(_resolved.Values.Where(setting => setting.Value != null).Select(setting => setting.Definition.Name))
        {
            SettingNames.Namespace,
            SettingNames.DatabaseUser,
        };
        if (_imageRepository != null)
        {
            present.Add(SettingNames.ImageRepository);
        }

        if (KubeContext != null)
        {
            present.Add(SettingNames.KubeContext);
        }

        return requirements
            .Where(requirement => requirement.OnlyOn.Contains(Database) && !(requirement.UnlessSet is { } alternative && present.Contains(alternative)))
            .SelectMany(requirement => requirement.Names.Select(name => (Name: name, Alternative: requirement.UnlessSet)))
            .OrderBy(required => required.Alternative != null)
            .DistinctBy(required => required.Name)
            .Where(required => !present.Contains(required.Name))
            .Select(required => new SettingError(
                SettingNames.Get(required.Name),
                null,
                RequirementHint(required.Name) + (required.Alternative is { } alternative ? $", or set {alternative} instead" : string.Empty)))
            .ToList();
    }

    private string RequirementHint(string name) => name switch
    {
        SettingNames.KubeContext => "give the kube context, or PROJECT_ID, REGION and CLUSTER_NAME to derive gke_PROJECT_REGION_CLUSTER",
        SettingNames.ImageRepository => "give the image repository, or PROJECT_ID and REGION to derive REGION-docker.pkg.dev/PROJECT_ID/REPOSITORY/mlflow",
        _ => $"the targets about to run on the {Database.ToSettingValue()} path need it",
    };

    private string? Value(string name) => _resolved[name].Value?.Trim() is { Length: > 0 } value ? value : null;

    private T Require<T>(T? value, string name)
        where T : class =>
        value ?? throw new InvalidOperationException($"{name} is required here but not set. Set it with {SettingNames.Get(name).HowToSet}.");

    private void Fail(string name, string problem) => _errors.Add(new SettingError(SettingNames.Get(name), _resolved[name].Value, problem));

    private string? Parse(string name, Regex pattern, string rule)
    {
        var value = Value(name);
        if (value == null || pattern.IsMatch(value))
        {
            return value;
        }

        Fail(name, rule);
        return null;
    }

    private T? ParseChoice<T>(string name, IReadOnlyDictionary<string, T> choices)
        where T : struct
    {
        var value = Value(name);
        if (value == null)
        {
            return null;
        }

        if (choices.TryGetValue(value.ToLowerInvariant(), out var choice))
        {
            return choice;
        }

        Fail(name, $"expected one of {string.Join(", ", choices.Keys)}");
        return null;
    }

    private bool ParseBool(string name)
    {
        var value = Value(name);
        switch (value?.ToLowerInvariant())
        {
            case null or "false" or "no" or "0":
                return false;
            case "true" or "yes" or "1":
                return true;
            default:
                Fail(name, "expected true or false");
                return false;
        }
    }

    private TimeSpan? ParseDuration(string name)
    {
        var value = Value(name);
        if (value == null)
        {
            return null;
        }

        var match = DurationPattern().Match(value);
        if (match.Success && int.TryParse(match.Groups["amount"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            return match.Groups["unit"].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromSeconds(amount),
            };
        }

        Fail(name, "expected a positive duration such as 600, 600s, 10m, 1h or 500ms");
        return null;
    }

    private Uri? ParseHttpUrl(string name)
    {
        var value = Value(name);
        if (value == null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            Fail(name, "expected an absolute http or https URL such as https://mlflow.example.com or http://127.0.0.1:5000");
            return null;
        }

        if (url.UserInfo.Length > 0)
        {
            Fail(name, "give the URL without credentials (user:password@); they would be printed in the logs");
            return null;
        }

        return url;
    }

    private string? ParseBucket()
    {
        var value = Value(SettingNames.BucketNameMlflow);
        if (value == null)
        {
            return null;
        }

        var name = value.StartsWith("gs://", StringComparison.Ordinal) ? value["gs://".Length..].TrimEnd('/') : value;
        if (name.Contains('/'))
        {
            Fail(SettingNames.BucketNameMlflow, $"give the bucket only, without a path (for example gs://{name[..name.IndexOf('/')]}); the suite chooses the path inside it");
            return null;
        }

        if (!BucketPattern().IsMatch(name) || name.StartsWith("goog", StringComparison.Ordinal) || name.Contains("google") || name.Contains(".."))
        {
            Fail(SettingNames.BucketNameMlflow, "a bucket name has 3 to 63 lowercase letters, digits, '-', '_' or '.', starts and ends with a letter or digit, and neither starts with 'goog' nor contains 'google'");
            return null;
        }

        return name;
    }

    private CloudSqlInstance? ParseCloudSqlInstance()
    {
        var value = Value(SettingNames.CloudSqlInstanceName);
        if (value == null)
        {
            return null;
        }

        var parts = value.Split(':');
        if (parts.Length == 1 && value.Count(c => c == '.') == 2)
        {
            var dotted = value.Split('.');
            Fail(SettingNames.CloudSqlInstanceName, $"a connection name uses colons, not dots: {dotted[0]}:{dotted[1]}:{dotted[2]}");
            return null;
        }

        if (parts.Length == 3 && ProjectIdPattern().IsMatch(parts[0]) && RegionPattern().IsMatch(parts[1]) && InstancePattern().IsMatch(parts[2]))
        {
            return new CloudSqlInstance(parts[0], parts[1], parts[2]);
        }

        if (parts.Length == 1 && InstancePattern().IsMatch(value))
        {
            if (_projectId != null && _region != null)
            {
                return new CloudSqlInstance(_projectId, _region, value);
            }

            Fail(SettingNames.CloudSqlInstanceName, "a bare instance name needs PROJECT_ID and REGION to expand to PROJECT:REGION:INSTANCE; set them or give the full connection name");
            return null;
        }

        Fail(SettingNames.CloudSqlInstanceName, "expected PROJECT:REGION:INSTANCE (for example my-project:europe-west1:mlflow-db) or a bare instance name");
        return null;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
    private static partial Regex ProjectIdPattern();

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

    [GeneratedRegex("^[a-z]([-a-z0-9]{0,96}[a-z0-9])?$")]
    private static partial Regex InstancePattern();

    [GeneratedRegex("^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")]
    private static partial Regex ImageRepositoryPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex ImageTagPattern();

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,31}$")]
    private static partial Regex DatabaseUserPattern();

    [GeneratedRegex("^(?<amount>[0-9]+)(?<unit>ms|s|m|h)?$")]
    private static partial Regex DurationPattern();
}
