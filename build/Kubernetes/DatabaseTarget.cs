using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The database MLflow's backend store lives in, as the pods reach it (see <see cref="Topology.DatabaseTarget"/>): the
/// SQLAlchemy driver, the Service host and port, the database, and on Cloud SQL the instance behind the proxy.
/// </summary>
public sealed record DatabaseTarget(DatabasePath Path, string Driver, string Host, int Port, string Database, string? CloudSqlInstance)
{
    /// <summary>Which database this is, for the migration Job's name: another database needs its own migration.</summary>
    public string Identity => $"{Path.ToSettingValue()} {CloudSqlInstance ?? Host}/{Database}";

    /// <summary>
    /// The SQLAlchemy URI of <paramref name="login"/>, user and password percent-encoded: SQLAlchemy decodes them, so a
    /// password with any printable characters (@ : / ? # % &amp; = + ! space quotes) reaches the database intact.
    /// </summary>
    public string Uri(DatabaseLogin login)
    {
        var credentials = login.Password == null
            ? System.Uri.EscapeDataString(login.User)
            : $"{System.Uri.EscapeDataString(login.User)}:{System.Uri.EscapeDataString(login.Password)}";
        return $"{Driver}://{credentials}@{Host}:{Port}/{Database}";
    }
}
