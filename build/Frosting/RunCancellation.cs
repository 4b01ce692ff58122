using System.Runtime.InteropServices;

namespace Cake.Frosting;

/// <summary>
/// One token for the whole run, cancelled by the first SIGINT (Ctrl-C) or SIGTERM: the running step stops, its child
/// processes are killed, the teardown still runs and the run exits with <see cref="InterruptedExitCode"/>. A second
/// signal ends the process at once. Not part of Cake.Frosting: an addition of this host (see README.md here).
/// </summary>
public sealed class RunCancellation : IDisposable
{
    /// <summary>128 + SIGINT, what shells report for a program stopped by Ctrl-C.</summary>
    public const int InterruptedExitCode = 130;

    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;

    public RunCancellation()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt)];
    }

    public CancellationToken Token => _source.Token;

    /// <summary>The signal that interrupted the run, or null.</summary>
    public PosixSignal? Signal { get; private set; }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _source.Dispose();
    }

    private void Interrupt(PosixSignalContext context)
    {
        if (Signal != null)
        {
            return; // the second signal: let the runtime end the process
        }

        context.Cancel = true;
        Signal = context.Signal;
        Console.Error.WriteLine($"{context.Signal}: stopping the running step, then releasing the deploy lock (send it again to stop at once).");
        _source.Cancel();
    }
}
