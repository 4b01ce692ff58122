using MlflowGke.Build.Kubernetes;

namespace MlflowGke.Build.Backup;

/// <summary>A backup of MLflow's database, taken before a schema migration: Cloud SQL's backup runs, or a pg_dump of the in-cluster PostgreSQL.</summary>
public interface IDatabaseBackup
{
    /// <summary>What a plan says would be taken: "an on-demand backup run of Cloud SQL instance P:R:I".</summary>
    string Description { get; }

    Task<TakenBackup> TakeAsync(BackupReason reason, CancellationToken cancellationToken);

    /// <summary>The newest backup the suite knows of, described for Status; null when there is none.</summary>
    Task<string?> LastAsync(CancellationToken cancellationToken);
}

/// <summary>Why a backup is taken: the migration it comes before, and the images (digests) from and to.</summary>
public sealed record BackupReason(SchemaState Schema, string? FromImage, string ToImage)
{
    /// <summary>"mlflow-gke-deploy before migration 7f2a7d5fae7d→bf29a5ff90ea, image sha256:1a…→sha256:2b…".</summary>
    public string Description => $"mlflow-gke-deploy before migration {Schema.Database}→{Schema.ImageHead}, image {Digest(FromImage)}→{Digest(ToImage)}";

    private static string Digest(string? image) => image switch
    {
        null => "none",
        _ when image.IndexOf('@', StringComparison.Ordinal) is var at and >= 0 => image[(at + 1)..],
        _ => image,
    };
}

/// <summary>A backup taken before a migration: its id and how to bring the database back to it.</summary>
public sealed record TakenBackup(string Id, string RestoreCommand)
{
    public override string ToString() => $"{Id} (to go back: {RestoreCommand})";
}

/// <summary>The backup before a migration failed; nothing was migrated and the message says how to go on.</summary>
public sealed class BackupFailedException(string message) : Exception(message);
