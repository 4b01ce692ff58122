namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The database's alembic revision and the image's head, as migrate.py prints them ("schema before:", "schema head:"),
/// whether from the migration Job or from a read-only `migrate.py --check`: what Status, a plan and a rollback need to
/// know whether a migration is due and which MLflow releases can still read the database.
/// </summary>
public sealed record SchemaState(string? Database, string? ImageHead)
{
    /// <summary>What migrate.py prints for a database without MLflow's tables.</summary>
    public const string NoSchema = "none";

    // Heads of released MLflow schemas we have run (../shared/mlflow-server): the seed guide's 2.4.0 and the test server.
    private static readonly Dictionary<string, string> Releases = new(StringComparer.Ordinal)
    {
        ["7f2a7d5fae7d"] = "MLflow 2.4",
        ["bf29a5ff90ea"] = "MLflow 3.5",
    };

    /// <summary>Both revisions known and different: the image's migrations have not run on this database yet.</summary>
    public bool MigrationDue => Database != null && ImageHead != null && Database != ImageHead;

    /// <summary>Reads the last "schema before:" and "schema head:" lines of migrate.py's output.</summary>
    public static SchemaState Parse(string logs) => new(Line(logs, "schema before:"), Line(logs, "schema head:"));

    /// <summary>A revision with the MLflow release it belongs to, when known: "7f2a7d5fae7d (MLflow 2.4)".</summary>
    public static string Describe(string? revision) => revision switch
    {
        null => "unknown",
        NoSchema => "none (no MLflow tables yet)",
        _ when Releases.TryGetValue(revision, out var release) => $"{revision} ({release})",
        _ => revision,
    };

    /// <summary>"schema 7f2a7d5fae7d (MLflow 2.4) → bf29a5ff90ea (MLflow 3.5)", or "schema X (up to date)".</summary>
    public override string ToString() => MigrationDue || Database == null || ImageHead == null
        ? $"schema {Describe(Database)} → {Describe(ImageHead)}"
        : $"schema {Describe(Database)} (up to date)";

    internal static string? Line(string logs, string prefix) => logs.Split('\n')
        .Select(line => line.Trim())
        .LastOrDefault(line => line.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..].Trim();
}
