namespace MlflowGke.Build.Docker;

/// <summary>A user name and secret for one registry; <see cref="ToString"/> never shows the secret.</summary>
public sealed record RegistryCredential(string Username, string Secret)
{
    public override string ToString() => $"{Username} [REDACTED]";
}
