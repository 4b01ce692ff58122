using Cake.Frosting;

namespace MlflowGke.Build.Kubernetes;

/// <summary>A Deploy would change the database MLflow serves without --switch-database; exit code 2, nothing changed.</summary>
public sealed class DatabaseSwitchException(string message) : Exception(message), IExitCodeException
{
    public int ExitCode => 2;
}
