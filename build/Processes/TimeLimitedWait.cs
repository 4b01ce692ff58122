using Cake.Core.IO;

namespace MlflowGke.Build.Processes;

/// <summary>
/// The one way to wait for a started process with a time limit. Cake's <see cref="IProcess.WaitForExit(int)"/> returns
/// when the process exits, before its redirected output has been read to the end (under load kubectl then seemed to
/// print empty JSON); only the untimed <see cref="IProcess.WaitForExit()"/> also waits for the output.
/// </summary>
public static class TimeLimitedWait
{
    /// <summary>
    /// Waits until <paramref name="process"/> exits and its redirected output is read to the end, and returns true;
    /// kills it and returns false when <paramref name="timeLimit"/> passes first.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the process was killed.</exception>
    public static bool WaitForExitWithin(this IProcess process, TimeSpan timeLimit, CancellationToken cancellationToken = default)
    {
        bool exited;
        using (cancellationToken.Register(process.Kill))
        {
            exited = process.WaitForExit((int)timeLimit.TotalMilliseconds);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!exited)
        {
            // Cake's timed wait has killed it already. Its Kill() would also wait until every child that inherited the
            // output has closed it, which one that lives on (the versioned kubectl gcloud's dispatcher starts) may not.
            return false;
        }

        process.WaitForExit();
        return true;
    }
}
