using MlflowGke.Build.Kubernetes;

namespace MlflowGke.Build.Tests.Kubernetes;

public sealed class SchemaStateTests
{
    [Test]
    public void A_2_4_database_under_a_newer_image_shows_both_releases_and_a_due_migration()
    {
        // Given migrate.py's output on the seed guide's database
        const string logs = "waiting for the postgresql migration lock\nschema before: 7f2a7d5fae7d\nschema head: bf29a5ff90ea\n";

        // When
        var state = SchemaState.Parse(logs);

        // Then
        Assert.That((state.MigrationDue, state.ToString()), Is.EqualTo((true, "schema 7f2a7d5fae7d (MLflow 2.4) → bf29a5ff90ea (MLflow 3.5)")));
    }

    [Test]
    public void A_database_at_the_image_head_is_up_to_date()
    {
        // Given
        var state = new SchemaState("bf29a5ff90ea", "bf29a5ff90ea");

        // When
        var text = state.ToString();

        // Then
        Assert.That((state.MigrationDue, text), Is.EqualTo((false, "schema bf29a5ff90ea (MLflow 3.5) (up to date)")));
    }

    [Test]
    public void An_unknown_revision_is_shown_as_it_is()
    {
        // Given a revision of a release the table does not name
        var state = new SchemaState("0584bdc529eb", "bf29a5ff90ea");

        // When
        var text = state.ToString();

        // Then
        Assert.That(text, Is.EqualTo("schema 0584bdc529eb → bf29a5ff90ea (MLflow 3.5)"));
    }

    [Test]
    public void Without_the_image_head_no_migration_is_claimed_due()
    {
        // Given only the database's revision, as a plan reads it from an earlier Job
        var state = SchemaState.Parse("schema before: 7f2a7d5fae7d\n");

        // When
        var due = state.MigrationDue;

        // Then
        Assert.That((due, state.ToString()), Is.EqualTo((false, "schema 7f2a7d5fae7d (MLflow 2.4) → unknown")));
    }
}
