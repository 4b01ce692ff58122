using System.Globalization;
using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Tests.Kubernetes;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>The login the database itself holds (not what MLflow's pods send): what the database side was set up with.</summary>
public sealed record DatabaseLogin(string User, string Password);

/// <summary>
/// What Apply sent for one database path, ready to run locally: the real Build.dll applies with the real kubectl to
/// the fake kube-apiserver, the stored objects are read back, and a private PostgreSQL plays the database (Cloud SQL,
/// or the in-cluster StatefulSet) with the login that side is given. Each rollout runs against a database of its own.
/// </summary>
public sealed class AppliedMlflow : IAsyncDisposable
{
    public const string DefaultUser = "mlflow";
    private readonly KubeTestEnvironment _kube;
    private readonly TempDirectory _artifacts = new();
    private readonly TempDirectory _volumeClaims = new();

    private AppliedMlflow(string database, KubeTestEnvironment kube, PostgresCluster postgres, MlflowInstallation mlflow, AppliedObjects objects, DatabaseLogin login)
    {
        Database = database;
        _kube = kube;
        Postgres = postgres;
        Mlflow = mlflow;
        Objects = objects;
        Login = login;
    }

    /// <summary>The database path: in-cluster or cloud-sql.</summary>
    public string Database { get; }

    public PostgresCluster Postgres { get; }

    public MlflowInstallation Mlflow { get; }

    public AppliedObjects Objects { get; }

    public DatabaseLogin Login { get; }

    public string Namespace => KubeTestEnvironment.Namespace;

    /// <summary>Where the gs:// artifact destination points locally: ARTIFACTS/BUCKET/PATH.</summary>
    public string ArtifactFolder => _artifacts.Path;

    /// <summary>Where the pods' persistentVolumeClaim volumes live locally: CLAIMS/CLAIM_NAME.</summary>
    public string VolumeClaimsFolder => _volumeClaims.Path;

    /// <param name="database">in-cluster or cloud-sql.</param>
    /// <param name="cloudSqlPassword">DB_PASSWORD on the cloud-sql path.</param>
    /// <param name="settings">More settings for Apply, as environment variables (EXPOSE, MLFLOW_HOSTNAME, ...).</param>
    public static async Task<AppliedMlflow> ApplyAsync(string database, string cloudSqlPassword, IReadOnlyDictionary<string, string>? settings = null)
    {
        var mlflow = RealMlflowRequirement.Check();
        var kube = await KubeTestEnvironment.StartAsync();
        PostgresCluster? postgres = null;
        try
        {
            var build = kube.Build(database);
            if (database == "cloud-sql")
            {
                build.Environment["DB_PASSWORD"] = cloudSqlPassword;
            }

            foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            {
                build.Environment[name] = value;
            }

            var applied = await build.RunAsync(KubeTestEnvironment.ThroughApply);
            if (applied.ExitCode != 0)
            {
                throw new InvalidOperationException($"Apply failed: {applied}");
            }

            var objects = AppliedObjects.From(kube.Server);
            var login = database == "cloud-sql" ? new DatabaseLogin(DefaultUser, cloudSqlPassword) : InClusterLogin(objects);
            postgres = await PostgresCluster.StartAsync();
            await postgres.CreateLoginAsync(login.User, login.Password);
            if (database == "in-cluster")
            {
                await postgres.AllowCreatingDatabasesAsync(login.User);
            }

            return new AppliedMlflow(database, kube, postgres, mlflow, objects, login);
        }
        catch
        {
            if (postgres != null)
            {
                await postgres.DisposeAsync();
            }

            await kube.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A new, empty database owned by the login, as CreateDatabase or the PostgreSQL StatefulSet makes it; on cloud-sql
    /// also the basic-auth app's, which CreateDatabase makes (in-cluster, the migration Job creates it).
    /// </summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"mlflow_{Guid.NewGuid():N}"[..20];
        await Postgres.CreateDatabaseAsync(name, Login.User);
        if (Database == "cloud-sql")
        {
            await Postgres.CreateDatabaseAsync(Kubelet(name).Endpoints.LocalDatabase(Topology.AuthDatabaseName), Login.User);
        }

        return name;
    }

    /// <summary>The admin's login Apply generated into the Secret mlflow-auth.</summary>
    public MlflowCredentials Admin
    {
        get
        {
            var secret = Objects.Data("Secret", Namespace, AuthCredentials.SecretName)!;
            return new MlflowCredentials(secret[AuthCredentials.UsernameKey], secret[AuthCredentials.PasswordKey]);
        }
    }

    /// <summary>A new database whose schema MLflow's own server start-up created, as pods of earlier deployments left it.</summary>
    public async Task<string> CreateInitialisedDatabaseAsync()
    {
        var name = await CreateDatabaseAsync();
        await MlflowSchema.InitialiseAsync(Mlflow, LocalUri(name));
        return name;
    }

    /// <summary>The login's URI for a local database, the password percent-encoded.</summary>
    public string LocalUri(string databaseName) =>
        $"postgresql+psycopg2://{Uri.EscapeDataString(Login.User)}:{Uri.EscapeDataString(Login.Password)}@{Postgres.Host}:{Postgres.Port.ToString(CultureInfo.InvariantCulture)}/{databaseName}";

    /// <summary>The node that runs pods against <paramref name="databaseName"/> in the local PostgreSQL.</summary>
    public LocalKubelet Kubelet(string databaseName) =>
        new(Mlflow, new LocalEndpoints(Postgres.Host, Postgres.Port, databaseName, ArtifactFolder), ImageDefaults.Production()) { VolumeClaimsFolder = VolumeClaimsFolder };

    /// <summary>A rollout as the cluster would do it after Apply: every Job Apply made runs to completion, then <paramref name="replicas"/> pods of the MLflow Deployment start at once.</summary>
    public Task<LocalRollout> RollOutAsync(string databaseName, int replicas, CancellationToken cancellationToken) =>
        LocalRollout.StartAsync(Kubelet(databaseName), Objects, Namespace, replicas, jobCopies: 1, cancellationToken);

    /// <summary>Only the Jobs Apply made, each as <paramref name="copies"/> pods at once (two rollouts racing); no server starts.</summary>
    public Task<LocalRollout> RunJobsAsync(string databaseName, int copies, CancellationToken cancellationToken) =>
        LocalRollout.StartAsync(Kubelet(databaseName), Objects, Namespace, replicas: 0, copies, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Postgres.DisposeAsync();
        await _kube.DisposeAsync();
        _artifacts.Dispose();
        _volumeClaims.Dispose();
    }

    /// <summary>The in-cluster PostgreSQL's login: the POSTGRES_USER/POSTGRES_PASSWORD its StatefulSet gives the postgres image.</summary>
    public static DatabaseLogin InClusterLogin(AppliedObjects objects)
    {
        var statefulSet = objects.Get("StatefulSet", KubeTestEnvironment.Namespace, "postgres");
        var spec = statefulSet["spec"]!["template"]!["spec"]!.AsObject();
        var container = spec["containers"]!.AsArray()[0]!.AsObject();
        var environment = ContainerEnvironment.Resolve(spec, container, KubeTestEnvironment.Namespace, objects);
        return new DatabaseLogin(environment["POSTGRES_USER"], environment["POSTGRES_PASSWORD"]);
    }
}
