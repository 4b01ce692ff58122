namespace MlflowGke.Build.Docker;

/// <summary>A registry that could not be read; the message names the registry and what to check.</summary>
public sealed class RegistryException(string message, bool isTransient, Exception? inner = null) : Exception(message, inner)
{
    public bool IsTransient { get; } = isTransient;
}
