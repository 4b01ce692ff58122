namespace MlflowGke.Build.Tests.RealMlflow;

public sealed class LocalEndpointsTests
{
    private static readonly LocalEndpoints Local = new("127.0.0.1", 55432, "test_db", "/artifact-root");

    [TestCase("postgresql+psycopg2://mlflow:secret@postgres:5432/mlflowdb", "postgresql+psycopg2://mlflow:secret@127.0.0.1:55432/test_db")]
    [TestCase("postgresql+psycopg2://mlflow:p%40ss%3Aw%2F@cloudsql-proxy:5432/mlflowdb?sslmode=disable", "postgresql+psycopg2://mlflow:p%40ss%3Aw%2F@127.0.0.1:55432/test_db?sslmode=disable")]
    [TestCase("postgresql+psycopg2://mlflow:p@ss:w/rd#50%@cloudsql-proxy:5432/mlflowdb", "postgresql+psycopg2://mlflow:p@ss:w/rd#50%@127.0.0.1:55432/test_db")]
    [TestCase("mysql+pymysql://mlflow:x@cloudsql-proxy:3306/mlflowdb", "mysql+pymysql://mlflow:x@127.0.0.1:55432/test_db")]
    [TestCase("postgresql+psycopg2://mlflow:secret@postgres:5432/mlflow_auth", "postgresql+psycopg2://mlflow:secret@127.0.0.1:55432/test_db_mlflow_auth")]
    [TestCase("gs://bucket/mlflow", "file:///artifact-root/bucket/mlflow")]
    [TestCase("mlflow-artifacts:/", "mlflow-artifacts:/")]
    [TestCase("0.0.0.0", "0.0.0.0")]
    public void Swaps_only_the_database_server_and_the_bucket(string value, string expected)
    {
        // When
        var redirected = Local.Redirect(value);

        // Then
        Assert.That(redirected, Is.EqualTo(expected));
    }
}
