using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tests.Kubernetes;

public sealed class DatabaseTargetTests
{
    private static readonly DatabaseTarget CloudSqlMySql = new(DatabasePath.CloudSql, "mysql+pymysql", "cloudsql-proxy", 3306, "mlflowdb", "p:r:i");

    [Test]
    public void Every_URI_character_of_a_password_is_percent_encoded()
    {
        // Given
        var login = new DatabaseLogin("mlflow", "p@ss:w/rd#50%&?=+! \"'x");

        // When
        var uri = CloudSqlMySql.Uri(login);

        // Then
        Assert.That(uri, Is.EqualTo("mysql+pymysql://mlflow:p%40ss%3Aw%2Frd%2350%25%26%3F%3D%2B%21%20%22%27x@cloudsql-proxy:3306/mlflowdb"));
    }

    [Test]
    public void A_login_without_a_password_has_no_password_in_the_URI()
    {
        // Given
        var login = new DatabaseLogin("proxy@project.iam", null);

        // When
        var uri = CloudSqlMySql.Uri(login);

        // Then
        Assert.That(uri, Is.EqualTo("mysql+pymysql://proxy%40project.iam@cloudsql-proxy:3306/mlflowdb"));
    }
}
