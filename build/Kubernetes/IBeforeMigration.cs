namespace MlflowGke.Build.Kubernetes;

/// <summary>What Apply does once a schema migration is known to be due and before anything writes to the schema: the backup.</summary>
public interface IBeforeMigration
{
    /// <summary>What a plan says it would do when a migration turns out to be due.</summary>
    string Plan { get; }

    /// <param name="fromImage">The running server's image, null when there is none.</param>
    /// <param name="toImage">The image whose migration is due.</param>
    Task RunAsync(SchemaState schema, string? fromImage, string toImage, CancellationToken cancellationToken);
}
