namespace MlflowGke.Build.Settings;

public enum DatabasePath
{
    InCluster,
    CloudSql,
}

public enum CloudSqlEngine
{
    Postgres,
    MySql,
}

/// <summary>How MLflow logs in to Cloud SQL: a built-in user's password, or IAM database authentication through the proxy.</summary>
public enum CloudSqlAuth
{
    Password,
    Iam,
}

/// <summary>How users log in to MLflow.</summary>
public enum AuthMode
{
    Basic,
    Iap,
    None,
}

/// <summary>How MLflow is reached from outside the cluster: not at all (kubectl port-forward), or through GKE Ingress over HTTPS.</summary>
public enum ExposeMode
{
    None,
    Ingress,
}

public static class SettingValues
{
    public static string ToSettingValue(this DatabasePath path) => path == DatabasePath.CloudSql ? "cloud-sql" : "in-cluster";

    public static string ToSettingValue(this CloudSqlEngine engine) => engine == CloudSqlEngine.MySql ? "mysql" : "postgres";

    public static string ToSettingValue(this CloudSqlAuth auth) => auth == CloudSqlAuth.Iam ? "iam" : "password";

    public static string ToSettingValue(this AuthMode auth) => auth.ToString().ToLowerInvariant();

    public static string ToSettingValue(this ExposeMode expose) => expose.ToString().ToLowerInvariant();
}
