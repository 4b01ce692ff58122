using System.Diagnostics;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>MLflow's tracking schema in a local database, made and read by the located MLflow itself.</summary>
public static class MlflowSchema
{
    /// <summary>
    /// Creates the schema the way <c>mlflow server</c> does on its first start (SqlAlchemyStore creates the tables and
    /// runs every migration): a database as earlier deployments, whose pods started the server, left it.
    /// </summary>
    public static Task InitialiseAsync(MlflowInstallation mlflow, string uri) => PythonAsync(mlflow, uri, """
        import os
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
        SqlAlchemyStore(os.environ["MLFLOW_TEST_URI"], "file:///nonexistent")
        """);

    /// <summary>The alembic revision the database is at ("" when it has no schema).</summary>
    public static async Task<string> RevisionAsync(MlflowInstallation mlflow, string uri) => (await PythonAsync(mlflow, uri, """
        import os, sqlalchemy
        engine = sqlalchemy.create_engine(os.environ["MLFLOW_TEST_URI"])
        with engine.connect() as connection:
            if sqlalchemy.inspect(connection).has_table("alembic_version"):
                print(connection.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")).scalar())
        """)).Trim();

    /// <summary>The newest revision this MLflow's migrations know: where a migrated database must be.</summary>
    public static async Task<string> HeadRevisionAsync(MlflowInstallation mlflow) => (await PythonAsync(mlflow, string.Empty, """
        from mlflow.store.db.utils import _get_latest_schema_revision
        print(_get_latest_schema_revision())
        """)).Trim();

    /// <summary>The repository's migrate.py in its read-only mode (`migrate.py --check`, as a pod of the image runs it): its output.</summary>
    public static Task<string> CheckAsync(MlflowInstallation mlflow, string uri) =>
        RunAsync(mlflow, [Path.Combine(RepositoryLayout.Deployment, "mlflow", "base", "migrate.py"), "--check"], "MLFLOW_BACKEND_STORE_URI", uri);

    private static Task<string> PythonAsync(MlflowInstallation mlflow, string uri, string script) => RunAsync(mlflow, ["-c", script], "MLFLOW_TEST_URI", uri);

    /// <summary>Runs python with the URI in the environment (never on a command line); returns its standard output.</summary>
    private static async Task<string> RunAsync(MlflowInstallation mlflow, string[] arguments, string uriVariable, string uri)
    {
        var start = new ProcessStartInfo(mlflow.Python, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment[uriVariable] = uri;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"python failed (exit {process.ExitCode}): {await error}");
    }
}
