namespace MlflowGke.Build.Google;

/// <summary>A Google Cloud precondition the user must fix (a setting, a permission, an API, a cluster feature); never retried.</summary>
public sealed class GoogleSetupException(string message, Exception? inner = null) : Exception(message, inner);
