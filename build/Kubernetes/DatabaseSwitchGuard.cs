using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// Stops a Deploy that would change which database an existing installation's MLflow serves, unless
/// --switch-database confirms it: the runs stay in the old database, and MLflow would otherwise start on another one
/// without a word. What is served now is read from the annotation Apply puts on the MLflow Deployment (the server is
/// applied last, so it names the database the server was rolled out on); installations from before the annotation are
/// judged by the database workload that exists: the PostgreSQL StatefulSet, or the Cloud SQL proxy and the instance in
/// its ConfigMap. Reads only, so a refusal changes nothing.
/// </summary>
public sealed class DatabaseSwitchGuard(IKubectl kubectl, ICakeLog log)
{
    /// <summary>On the MLflow Deployment: "in-cluster", or "cloud-sql PROJECT:REGION:INSTANCE".</summary>
    public const string DatabaseAnnotation = "mlflow-gke-deploy/database";

    /// <summary>The in-cluster PostgreSQL's volume: claim template "data" of StatefulSet "postgres", ordinal 0.</summary>
    public const string PostgresVolume = "data-postgres-0";

    private const string ManagedBySelector = "app.kubernetes.io/managed-by=mlflow-gke-deploy";

    /// <summary>The value of <see cref="DatabaseAnnotation"/> for <paramref name="target"/>.</summary>
    public static string Annotation(DatabaseTarget target) => new ServedDatabase(target.Path, target.CloudSqlInstance).Annotation;

    /// <summary>Throws <see cref="DatabaseSwitchException"/> when the installation serves another database than <paramref name="wanted"/> and the switch is not confirmed; a plan only reports it.</summary>
    public async Task CheckAsync(DatabaseTarget wanted, bool confirmed, bool isPlan, CancellationToken cancellationToken = default)
    {
        var workloads = await kubectl.ListAsync("deployments.apps,statefulsets.apps", ManagedBySelector, cancellationToken);
        var server = Find(workloads, "Deployment", "mlflow");
        if (server == null)
        {
            log.Verbose("No MLflow Deployment in namespace {0}: a first install, no database to switch from.", kubectl.Namespace);
            return;
        }

        var served = server["metadata"]?["annotations"]?[DatabaseAnnotation]?.GetValue<string>() is { } annotation
            ? ServedDatabase.Parse(annotation)
            : await InferAsync(workloads, cancellationToken);
        if (served == null || served.Annotation == Annotation(wanted))
        {
            return;
        }

        var explanation = await ExplainAsync(served, wanted, cancellationToken);
        if (confirmed)
        {
            log.Warning("Switching the database MLflow serves (--switch-database): {0}", explanation);
        }
        else if (isPlan)
        {
            log.Warning("PLAN would switch the database MLflow serves; a Deploy without --switch-database stops here with exit code 2. {0}", explanation);
        }
        else
        {
            throw new DatabaseSwitchException($"Refusing to switch the database MLflow serves; nothing was changed. {explanation} To switch, run again with --switch-database ({SettingNames.SwitchDatabase}=true); {served.HowToStay}");
        }
    }

    private static JsonObject? Find(IEnumerable<JsonObject> items, string kind, string name) =>
        items.FirstOrDefault(item => item["kind"]?.GetValue<string>() == kind && item["metadata"]?["name"]?.GetValue<string>() == name);

    /// <summary>For installations from before the annotation: the database workload that exists; null when there is none.</summary>
    private async Task<ServedDatabase?> InferAsync(IReadOnlyList<JsonObject> workloads, CancellationToken cancellationToken)
    {
        var postgres = Find(workloads, "StatefulSet", "postgres");
        var proxy = Find(workloads, "Deployment", "cloudsql-proxy");
        return (postgres, proxy) switch
        {
            // A switch stopped halfway: either may be served, so any path needs the flag.
            (not null, not null) => new ServedDatabase(null, null),
            (null, not null) => new ServedDatabase(DatabasePath.CloudSql, await ProxyInstanceAsync(proxy, cancellationToken)),
            (not null, null) => new ServedDatabase(DatabasePath.InCluster, null),
            _ => null,
        };
    }

    /// <summary>The instance the proxy serves: the key INSTANCE_CONNECTION_NAME of the ConfigMap its container reads.</summary>
    private async Task<string> ProxyInstanceAsync(JsonObject proxy, CancellationToken cancellationToken)
    {
        var reference = proxy["spec"]?["template"]?["spec"]?["containers"]?.AsArray().OfType<JsonObject>()
            .SelectMany(container => container["env"]?.AsArray().OfType<JsonObject>() ?? [])
            .Select(variable => variable["valueFrom"]?["configMapKeyRef"])
            .FirstOrDefault(key => key?["key"]?.GetValue<string>() == ServedDatabase.InstanceKey);
        var configMap = reference?["name"]?.GetValue<string>() is { } name ? await kubectl.GetAsync("configmap", name, cancellationToken) : null;
        return configMap?["data"]?[ServedDatabase.InstanceKey]?.GetValue<string>() ?? "(unknown)";
    }

    private async Task<string> ExplainAsync(ServedDatabase served, DatabaseTarget wanted, CancellationToken cancellationToken)
    {
        var inCluster = $"the in-cluster PostgreSQL on volume {PostgresVolume} (namespace {kubectl.Namespace})";
        var after = new ServedDatabase(wanted.Path, wanted.CloudSqlInstance).Name(inCluster);
        if (wanted.Path == DatabasePath.InCluster)
        {
            var volumeExists = await kubectl.GetAsync("persistentvolumeclaim", PostgresVolume, cancellationToken) != null;
            after += volumeExists ? " (kept from an earlier in-cluster deploy: its data is served again, with its own login)" : " (a new, empty volume)";
        }

        var kept = served.Path switch
        {
            DatabasePath.InCluster => $"The in-cluster PostgreSQL's data stays on volume {PostgresVolume} and its login in Secret {DatabaseCredentials.LoginSecretName} (deleted only by Teardown with --delete-data); a switch back serves it again.",
            DatabasePath.CloudSql => $"{served.Name(inCluster)} stays as it is (the suite never deletes a Cloud SQL database or user); a switch back serves it again.",
            _ => $"Both are kept: volume {PostgresVolume} and the Cloud SQL database {CloudSqlTarget.DatabaseName}.",
        };
        return $"MLflow serves {served.Name(inCluster)} now; this Deploy would serve {after}. Runs are not moved between databases. {kept}";
    }

    /// <summary>A database MLflow serves; a null <see cref="Path"/> means "cannot tell which of both".</summary>
    private sealed record ServedDatabase(DatabasePath? Path, string? Instance)
    {
        public const string InstanceKey = "INSTANCE_CONNECTION_NAME";
        private const string Separator = " ";

        public string Annotation => Path switch
        {
            DatabasePath.CloudSql => $"{DatabasePath.CloudSql.ToSettingValue()}{Separator}{Instance}",
            DatabasePath.InCluster => DatabasePath.InCluster.ToSettingValue(),
            _ => string.Empty,
        };

        public string HowToStay => Path switch
        {
            DatabasePath.CloudSql => $"to keep serving it, run with --database=cloud-sql --cloudsql-instance-name={Instance}.",
            DatabasePath.InCluster => "to keep serving it, run with --database=in-cluster.",
            _ => "to keep the database it serves, run with the --database (and --cloudsql-instance-name) it was deployed with.",
        };

        public static ServedDatabase Parse(string annotation)
        {
            var parts = annotation.Split(Separator, 2);
            return parts[0] == DatabasePath.CloudSql.ToSettingValue()
                ? new(DatabasePath.CloudSql, parts.ElementAtOrDefault(1))
                : new(parts[0] == DatabasePath.InCluster.ToSettingValue() ? DatabasePath.InCluster : null, null);
        }

        public string Name(string inCluster) => Path switch
        {
            DatabasePath.CloudSql => $"Cloud SQL instance {Instance} database {CloudSqlTarget.DatabaseName}",
            DatabasePath.InCluster => inCluster,
            _ => $"either {inCluster} or the Cloud SQL database {CloudSqlTarget.DatabaseName} (both database workloads exist)",
        };
    }
}
