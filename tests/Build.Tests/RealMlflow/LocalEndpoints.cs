using System.Globalization;
using System.Text.RegularExpressions;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// The only things swapped when a pod runs locally: the database server (host, port, and the test's own database)
/// inside a database URI — mlflowdb becomes the test's database, any other database (the basic-auth app's mlflow_auth)
/// the test's name with its own as suffix — and a <c>gs://</c> artifact destination, which becomes a <c>file://</c> folder.
/// Everything else — driver, user, password, query — stays exactly as the pod would see it.
/// </summary>
public sealed partial class LocalEndpoints(string databaseHost, int databasePort, string databaseName, string artifactFolder)
{
    public string ArtifactFolder { get; } = artifactFolder;

    public string Redirect(string value)
    {
        var redirected = DatabaseUri().Replace(value, match =>
            $"{match.Groups["prefix"].Value}{databaseHost}:{databasePort.ToString(CultureInfo.InvariantCulture)}/{LocalDatabase(match.Groups["database"].Value)}{match.Groups["rest"].Value}");
        return redirected.StartsWith("gs://", StringComparison.Ordinal)
            ? $"file://{Path.Combine(ArtifactFolder, redirected["gs://".Length..])}"
            : redirected;
    }

    /// <summary>libpq's variables (pg_dump's login) name the database server as a URI does: they point at the local one too.</summary>
    public string RedirectVariable(string name, string value) => name switch
    {
        "PGHOST" => databaseHost,
        "PGPORT" => databasePort.ToString(CultureInfo.InvariantCulture),
        "PGDATABASE" => databaseName,
        _ => Redirect(value),
    };

    /// <summary>Each database on the server of a test's own: mlflowdb → the test's database, mlflow_auth → TEST_mlflow_auth.</summary>
    public string LocalDatabase(string database) =>
        database is "" or CloudSqlTarget.DatabaseName ? databaseName
        : database == databaseName || database.StartsWith($"{databaseName}_", StringComparison.Ordinal) ? database // already redirected
        : $"{databaseName}_{database}";

    // The user information is matched greedily up to the last '@', so an unencoded password holding '@', ':' or '/'
    // still leaves the real host in place (and reaches the server as broken as the pod would send it).
    [GeneratedRegex(@"(?<prefix>\b(?:postgresql|postgres|mysql)(?:\+\w+)?://(?:.*@)?)(?<host>[^@/:?#\s]+)(?::\d+)?/(?<database>[^/?#\s]*)(?<rest>.*)$")]
    private static partial Regex DatabaseUri();
}
