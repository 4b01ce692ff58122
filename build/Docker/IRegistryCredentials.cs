namespace MlflowGke.Build.Docker;

public interface IRegistryCredentials
{
    /// <summary>The credential for a registry host, or null to read anonymously.</summary>
    RegistryCredential? For(string host);
}
