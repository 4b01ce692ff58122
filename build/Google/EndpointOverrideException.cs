using Cake.Frosting;

namespace MlflowGke.Build.Google;

/// <summary>An endpoint override the suite refuses to send credentials to; bad input, so exit code 2 before any task runs.</summary>
public sealed class EndpointOverrideException(string message) : Exception(message), IExitCodeException
{
    public int ExitCode => 2;
}
