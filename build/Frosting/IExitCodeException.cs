namespace Cake.Frosting;

/// <summary>
/// An exception that decides the process exit code (for example 2 for bad input). Not part of
/// Cake.Frosting: the one addition this host makes; see README.md in this folder.
/// </summary>
public interface IExitCodeException
{
    int ExitCode { get; }
}
