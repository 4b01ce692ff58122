namespace MlflowGke.Build.Settings;

/// <summary>A Cloud SQL instance; <see cref="ConnectionName"/> is what the proxy takes (PROJECT:REGION:INSTANCE).</summary>
public sealed record CloudSqlInstance(string Project, string Region, string Instance)
{
    public string ConnectionName => $"{Project}:{Region}:{Instance}";
}
