using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Rendering;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tests.Rendering;

public sealed class MigrationJobNameTests
{
    private const string Manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mlflow-config\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: mlflow-migrate\nspec:\n  image: mlflow@sha256:aaa\n";

    private static readonly DatabaseTarget InCluster = new(DatabasePath.InCluster, "postgresql+psycopg2", "postgres", 5432, "mlflowdb", null);

    [Test]
    public void The_same_Job_and_database_give_the_same_name()
    {
        // Given / When
        var first = MigrationJobName.For(Manifest, InCluster);
        var second = MigrationJobName.For(Manifest, InCluster);

        // Then
        Assert.That(first, Is.EqualTo(second));
        Assert.That(first, Does.Match("^mlflow-migrate-[0-9a-f]{12}$"));
    }

    [Test]
    public void Another_image_in_the_Job_gives_another_name()
    {
        // Given
        var newImage = Manifest.Replace("sha256:aaa", "sha256:bbb", StringComparison.Ordinal);

        // When / Then
        Assert.That(MigrationJobName.For(newImage, InCluster), Is.Not.EqualTo(MigrationJobName.For(Manifest, InCluster)));
    }

    [Test]
    public void Another_database_gives_another_name()
    {
        // Given
        var cloudSql = new DatabaseTarget(DatabasePath.CloudSql, "postgresql+psycopg2", "cloudsql-proxy", 5432, "mlflowdb", "p:r:i");

        // When / Then
        Assert.That(MigrationJobName.For(Manifest, cloudSql), Is.Not.EqualTo(MigrationJobName.For(Manifest, InCluster)));
    }

    [Test]
    public void A_manifest_without_the_Job_is_refused_with_the_reason()
    {
        // Given
        var withoutJob = Manifest.Split("\n---\n")[0];

        // When
        var failure = Assert.Throws<InvalidOperationException>(() => MigrationJobName.For(withoutJob, InCluster));

        // Then
        Assert.That(failure.Message, Does.Contain("must keep the migration Job mlflow-migrate"));
    }
}
