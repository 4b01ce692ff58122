using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Backup;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Docker;
using MlflowGke.Build.Google;
using MlflowGke.Build.Image;
using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Rendering;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Status;
using MlflowGke.Build.Verify;

namespace MlflowGke.Build;

/// <summary>
/// The run's settings, topology and change gate, and the one place that wires the clients: each is created on first
/// use and shared by every task of the run. The folders that talk to docker, Google or Kubernetes never see this class.
/// </summary>
public sealed class BuildContext : FrostingContext, IDisposable
{
    private static readonly TimeSpan RegistryRequestTimeout = TimeSpan.FromSeconds(30);
    private readonly TaskSkipReasons _skipReasons;
    private readonly Lazy<KubectlTool> _kubectl;
    private readonly Lazy<KubernetesSteps> _kubernetes;
    private readonly Lazy<GoogleSteps> _google;
    private readonly Lazy<HttpClient> _registryHttp = new(() => new HttpClient { Timeout = RegistryRequestTimeout });
    private readonly Lazy<RegistryClient> _registry;
    private readonly Lazy<ImagePublisher> _images;
    private readonly Lazy<ImageResolver> _imageResolver;

    private readonly RunCancellation _run;

    public BuildContext(ICakeContext context, TaskSkipReasons skipReasons, RunCancellation run)
        : base(context)
    {
        _skipReasons = skipReasons;
        _run = run;
        Settings = new DeploySettings(ResolvedSetting.ResolveAll(context.Arguments, context.Environment, context.Configuration), context.Environment.WorkingDirectory.FullPath);
        Topology = new Topology(Settings);
        Changes = new ChangeGate(Settings.IsPlan, context.Log);
        _kubectl = new(() => new KubectlTool(FileSystem, Environment, ProcessRunner, Tools));
        _kubernetes = new(() => new KubernetesSteps(_kubectl.Value, Kubeconfig.Load(Environment), ClusterTarget.From(Settings), Settings.Secrets, Settings.WaitRules, LockHolder.Describe(Environment.GetEnvironmentVariable), Settings.Database, Settings.WaitTimeout, Changes, Log));
        _google = new(() => new GoogleSteps(CreateGoogleCloud(), Changes, Log));
        _registry = new(() => new RegistryClient(_registryHttp.Value, new DockerConfigCredentials(this), Log));
        _images = new(() => new ImagePublisher(new DockerCli(this, cancellationToken: run.Token), _registry.Value, ImageSource.From(this, Settings), () => SourceRevision.Read(this), Log, RetryPolicy.Push));

        // The image steps may have hashed the build context in this run already; their source is reused, not hashed again.
        _imageResolver = new(() => new ImageResolver(_registry.Value, _images.Value.Source.Image, Settings.IsPlan, Log));
    }

    public DeploySettings Settings { get; }

    /// <summary>Cancelled when the run is interrupted (SIGINT, SIGTERM): every step passes it to its processes and HTTP calls.</summary>
    public CancellationToken Cancellation => _run.Token;

    public bool IsInterrupted => _run.Signal != null;

    /// <summary>What this run deploys on its database path; read it instead of branching on the path.</summary>
    public Topology Topology { get; }

    public ChangeGate Changes { get; }

    public KubernetesSteps Kubernetes => _kubernetes.Value;

    /// <summary>Whether the Kubernetes steps were used in this run, so the end of the run touches the cluster only if so.</summary>
    public bool UsedKubernetes => _kubernetes.IsValueCreated;

    public GoogleSteps Google => _google.Value;

    /// <summary>BuildImage's and PushImage's work, on the image the settings and build inputs name.</summary>
    public ImagePublisher Images => _images.Value;

    public ImageResolver ImageResolver => _imageResolver.Value;

    /// <summary>Pins the third-party images to digests in their registry (or IMAGE_MIRROR), with the MLflow image's registry client.</summary>
    public ImagePinner ImagePinner => field ??= new ImagePinner(_registry.Value, Settings.ImageMirror, Log);

    public ManifestRenderer Renderer => field ??= new ManifestRenderer(Settings, Topology, new KubectlKustomize(FileSystem, Environment, ProcessRunner, Tools), Log, Environment.WorkingDirectory);

    /// <summary>How this path's database is backed up: Cloud SQL backup runs, or pg_dumps of the in-cluster PostgreSQL.</summary>
    public IDatabaseBackup DatabaseBackup => Topology.CloudSql is { } cloudSql ? Google.BackupOf(cloudSql.Instance) : Kubernetes.PostgresDump;

    /// <summary>The backup Apply takes before a schema migration (unless SKIP_BACKUP).</summary>
    public MigrationBackup Backup => field ??= new MigrationBackup(() => DatabaseBackup, Settings.SkipBackup, Changes, Log);

    /// <summary>What Status found, for the step summary; null when Status did not run.</summary>
    public StatusReport? StatusReport { get; set; }

    public KubectlPortForward PortForward => field ??= new KubectlPortForward(_kubectl.Value);

    /// <summary>The ID token Verify presents to Identity-Aware Proxy with AUTH=iap.</summary>
    public IGoogleIdToken GoogleIdToken => field ??= MlflowGke.Build.Google.GoogleIdToken.FromEnvironment(Environment);

    /// <summary>The image pinned by digest, once a step has pushed or resolved it; for the closing summary only.</summary>
    public ImageReference? DeployedImage { get; set; }

    /// <summary>The third-party images pinned by digest before the first task (preflight), for Apply and the closing summary.</summary>
    public IReadOnlyList<PinnedImage> PinnedImages { get; set; } = [];

    /// <summary>The manifest Apply rendered in this run; Prune renders it again when it runs alone.</summary>
    public RenderedDeployment? Rendered { get; set; }

    /// <summary>Set by WaitReady once every rollout is ready: Prune, run alone, waits for them itself first.</summary>
    public bool RolloutsReady { get; set; }

    /// <summary>The schema revisions the migration Job reported, once Apply or WaitReady has seen it complete; for the closing summary only.</summary>
    public SchemaMigration? SchemaMigration { get; set; }

    /// <summary>Criteria helper: returns <paramref name="condition"/>, and when false records why for the report.</summary>
    public bool ShouldRun(bool condition, string reasonToSkip)
    {
        if (!condition)
        {
            _skipReasons.Record(reasonToSkip);
        }

        return condition;
    }

    /// <summary>Criteria of a step that only reads or waits: in plan mode it prints what it would do and is reported as planned.</summary>
    public bool UnlessPlan(string wouldDo)
    {
        if (!Settings.IsPlan)
        {
            return true;
        }

        Log.Information("PLAN would {0}", wouldDo);
        _skipReasons.RecordPlanned(wouldDo);
        return false;
    }

    public void Dispose()
    {
        if (_kubernetes.IsValueCreated)
        {
            _kubernetes.Value.Dispose();
        }

        if (_google.IsValueCreated)
        {
            _google.Value.Api.Dispose();
        }

        if (_registryHttp.IsValueCreated)
        {
            _registryHttp.Value.Dispose();
        }
    }

    /// <summary>Endpoints and credentials from the environment (the one place that reads them), retry delays from settings.</summary>
    private GoogleCloud CreateGoogleCloud()
    {
        Log.Verbose("Google API endpoints:");
        var endpoints = GoogleEndpoints.FromEnvironment(Environment, Log);
        var token = GoogleAccessToken.FromEnvironment(Environment);
        Log.Verbose("Google credentials: {0}", token);
        return new GoogleCloud(endpoints, token, new GoogleRetryOptions(Settings.GoogleRetryDelay));
    }
}
