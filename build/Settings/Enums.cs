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

public static class SettingValues
{
    public static string ToSettingValue(this DatabasePath path) => path == DatabasePath.CloudSql ? "cloud-sql" : "in-cluster";

    public static string ToSettingValue(this CloudSqlEngine engine) => engine == CloudSqlEngine.MySql ? "mysql" : "postgres";
}
