using MlflowGke.Build.Kubernetes;

namespace MlflowGke.Build.Settings;

/// <summary>
/// The suite's settings, parsed and validated once by their definitions in <see cref="SettingNames.All"/>. Values
/// that fail validation are kept out of the typed properties and reported through <see cref="Errors"/>; required
/// settings are checked per task by <see cref="MissingFor"/>. A property whose setting is missing throws, which
/// validation prevents.
/// </summary>
public sealed class DeploySettings : ISettingLookup
{
    private const string GoogleServiceAccountDomain = "iam.gserviceaccount.com";

    private readonly Dictionary<string, ResolvedSetting> _resolved;
    private readonly Dictionary<string, object?> _values = [];
    private readonly List<SettingError> _errors = [];

    public DeploySettings(IReadOnlyList<ResolvedSetting> resolved, string? workingDirectory = null)
    {
        _resolved = resolved.ToDictionary(setting => setting.Definition.Name);
        WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory;
        foreach (var definition in SettingNames.All)
        {
            Get(definition.Name);
        }
    }

    public string WorkingDirectory { get; }

    public IReadOnlyList<SettingError> Errors => _errors;

    public IReadOnlyCollection<ResolvedSetting> Resolved => _resolved.Values;

    public string ProjectId => Required<string>(SettingNames.ProjectId);

    public string Region => Required<string>(SettingNames.Region);

    public string ClusterName => Required<string>(SettingNames.ClusterName);

    /// <summary>The bucket name, without gs://.</summary>
    public string BucketName => Required<string>(SettingNames.BucketNameMlflow);

    public CloudSqlInstance CloudSqlInstance => Required<CloudSqlInstance>(SettingNames.CloudSqlInstanceName);

    public string MlflowServiceAccountEmail => $"{Required<string>(SettingNames.MlflowServiceAccountId)}@{ProjectId}.{GoogleServiceAccountDomain}";

    public string ProxyServiceAccountId => SettingRules.ProxyServiceAccountPrefix + Required<string>(SettingNames.ResourceSuffix);

    public string ProxyServiceAccountEmail => $"{ProxyServiceAccountId}@{ProjectId}.{GoogleServiceAccountDomain}";

    public string Namespace => Required<string>(SettingNames.Namespace);

    public DatabasePath Database => Required<DatabasePath>(SettingNames.Database);

    public CloudSqlEngine CloudSqlEngine => Required<CloudSqlEngine>(SettingNames.CloudSqlEngine);

    public bool CloudSqlPrivateIp => Required<bool>(SettingNames.CloudSqlPrivateIp);

    public CloudSqlAuth CloudSqlAuth => Required<CloudSqlAuth>(SettingNames.CloudSqlAuth);

    public AuthMode Auth => Required<AuthMode>(SettingNames.Auth);

    public ExposeMode Expose => Required<ExposeMode>(SettingNames.Expose);

    /// <summary>The DNS name MLflow is published at; null unless EXPOSE=ingress (whose parser requires it).</summary>
    public string? MlflowHostname => Expose == ExposeMode.Ingress ? Required<string>(SettingNames.MlflowHostname) : null;

    public string IapClientId => Required<string>(SettingNames.IapClientId);

    public string IapClientSecret => Required<string>(SettingNames.IapClientSecret);

    /// <summary>Verify's login when given; null means the admin from the Secret mlflow-auth.</summary>
    public string? MlflowTrackingUsername => Get(SettingNames.MlflowTrackingUsername) as string;

    public string? MlflowTrackingPassword => Get(SettingNames.MlflowTrackingPassword) as string;

    public bool DeleteData => Required<bool>(SettingNames.DeleteData);

    public bool SwitchDatabase => Required<bool>(SettingNames.SwitchDatabase);
    public bool NoRollback => Required<bool>(SettingNames.NoRollback);

    public bool SkipBackup => Required<bool>(SettingNames.SkipBackup);

    public string? RestoreDump => Get(SettingNames.RestoreDump) as string;

    public bool IsPlan => Required<bool>(SettingNames.Plan);

    public TimeSpan WaitTimeout => Required<TimeSpan>(SettingNames.WaitTimeout);

    /// <summary>How long WaitReady gives an unschedulable pod and a crash-looping container.</summary>
    public WaitRules WaitRules => new(Required<TimeSpan>(SettingNames.WaitScaleUpGrace), Required<int>(SettingNames.WaitRestartLimit));

    public TimeSpan LockTimeout => Required<TimeSpan>(SettingNames.LockTimeout);

    public bool BreakLock => Required<bool>(SettingNames.BreakLock);

    /// <summary>Where Verify reaches MLflow; null means through kubectl port-forward to svc/mlflow.</summary>
    public Uri? MlflowUrl => Get(SettingNames.MlflowUrl) as Uri;

    public string DatabaseUser => Required<string>(SettingNames.DatabaseUser);

    public string DatabasePassword => Required<string>(SettingNames.DatabasePassword);

    /// <summary>The first delay of Google API retries; propagation and operation waits are multiples of it.</summary>
    public TimeSpan GoogleRetryDelay => Required<TimeSpan>(SettingNames.GoogleRetryDelay);

    /// <summary>The kube context; null when neither set nor derivable.</summary>
    public string? KubeContext => Get(SettingNames.KubeContext) as string;

    public string ArtifactRegistryRepository => Required<string>(SettingNames.ArtifactRegistryRepository);

    public string ImageRepository => Required<string>(SettingNames.ImageRepository);

    /// <summary>The tag set by the user; null means "derive it from the image's build inputs".</summary>
    public string? ImageTag => Get(SettingNames.ImageTag) as string;

    public string ImageContext => Required<string>(SettingNames.ImageContext);

    public string Dockerfile => Required<string>(SettingNames.Dockerfile);

    /// <summary>Where third-party images are resolved and pulled; null: their own registries.</summary>
    public string? ImageMirror => Get(SettingNames.ImageMirror) as string;

    public int MlflowReplicas => Required<int>(SettingNames.MlflowReplicas);

    public bool Metrics => Required<bool>(SettingNames.Metrics);

    /// <summary>Namespaces with this label may reach MLflow; null: only pods in its own namespace.</summary>
    public NamespaceLabel? ClientNamespaceLabel => Get(SettingNames.ClientNamespaceLabel) as NamespaceLabel;

    /// <summary>The setting's valid value, given or default; null when missing or invalid.</summary>
    public object? Get(string name)
    {
        if (_values.TryGetValue(name, out var known))
        {
            return known;
        }

        _values[name] = null;
        var setting = _resolved[name];
        var definition = setting.Definition;
        var given = setting switch
        {
            { Problem: { } refused } => Refuse(definition, setting.Value, refused),
            { Value: { } givenText } => Parse(definition, givenText, reportProblem: true),
            _ => null,
        };

        // An invalid value is reported, and the default stands in for it until the errors stop the run.
        var value = given ?? (definition.Default?.ValueText(this) is { } defaultText ? Parse(definition, defaultText, reportProblem: false) : null);
        _values[name] = value;
        return value;
    }

    public bool IsSet(string name) => _resolved[name].Value != null;

    /// <summary>The values of every secret setting that was given, valid or not: what logs and cluster output must never show.</summary>
    public IEnumerable<string> Secrets => _resolved.Values
        .Where(setting => setting.Definition.IsSecret && !string.IsNullOrEmpty(setting.Value))
        .Select(setting => setting.Value!);

    /// <summary>What the setting's default would be, whether or not it was given: the derived GKE context, for example.</summary>
    public string? DefaultOf(string name) => SettingNames.Get(name).Default?.ValueText(this);

    /// <summary>What the settings table shows for a setting that was not given: its default, or what happens instead.</summary>
    public string? ValueWhenUnset(string name) => SettingNames.Get(name).Default?.Display(this);

    /// <summary>Errors for settings that the given requirements need but that are missing.</summary>
    public IReadOnlyList<SettingError> MissingFor(IEnumerable<RequiresSettingsAttribute> requirements)
    {
        bool Present(string name) => Get(name) != null || IsSet(name);
        return requirements
            .Where(requirement => requirement.OnlyOn.Contains(Database) && !(requirement.UnlessSet is { } alternative && Present(alternative)) && Holds(requirement.OnlyWhen))
            .SelectMany(requirement => requirement.Names.Select(name => (Name: name, Alternative: requirement.UnlessSet)))
            .OrderBy(required => required.Alternative != null)
            .DistinctBy(required => required.Name)
            .Where(required => !Present(required.Name))
            .Select(required => new SettingError(
                SettingNames.Get(required.Name),
                null,
                SettingNames.Get(required.Name).RequiredHint(Database) + (required.Alternative is { } alternative ? $", or set {alternative} instead" : string.Empty)))
            .ToList();
    }

    /// <summary>Whether a "SETTING=value" condition holds for the given or default value; no condition always holds.</summary>
    private bool Holds(string? condition) =>
        condition?.Split('=', 2) is not [var name, var value] || string.Equals(_resolved[name].Value ?? DefaultOf(name), value, StringComparison.Ordinal);

    private object? Parse(SettingDefinition definition, string text, bool reportProblem)
    {
        var parsed = text switch
        {
            { Length: 0 } => SettingParse.Fail("the value is empty; give one, or leave the setting out to use its default"),
            _ when text.FirstOrDefault(char.IsControl) is var control && control != default => SettingParse.Fail($"the value contains the control character U+{(int)control:X4}; a setting is one line of text"),
            _ => definition.Parser.Parse(text, this),
        };
        return parsed.Problem != null && reportProblem ? Refuse(definition, text, parsed.Problem) : parsed.Value;
    }

    private object? Refuse(SettingDefinition definition, string? value, string problem)
    {
        _errors.Add(new SettingError(definition, value, problem));
        return null;
    }

    private T Required<T>(string name) =>
        Get(name) is T value ? value : throw new InvalidOperationException($"{name} is required here but not set. Set it with {SettingNames.Get(name).HowToSet}.");
}
