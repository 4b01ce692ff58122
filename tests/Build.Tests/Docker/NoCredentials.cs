using MlflowGke.Build.Docker;

namespace MlflowGke.Build.Tests.Docker;

/// <summary>Anonymous registry access, as with a local registry without authentication.</summary>
public sealed class NoCredentials : IRegistryCredentials
{
    public RegistryCredential? For(string host) => null;
}
