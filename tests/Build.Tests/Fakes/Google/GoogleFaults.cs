using System.Net;

namespace MlflowGke.Build.Tests.Fakes.Google;

/// <summary>Failures a test asks the fake for, named after the behaviours the APIs document.</summary>
public sealed class GoogleFaults
{
    private readonly Queue<(HttpStatusCode Code, string? PathContains)> _bursts = new();

    /// <summary>APIs answering 403 SERVICE_DISABLED (e.g. "sqladmin.googleapis.com").</summary>
    public HashSet<string> DisabledApis { get; } = [];

    /// <summary>Permissions the caller lacks: requests needing them answer 403 PERMISSION_DENIED.</summary>
    public HashSet<string> DeniedPermissions { get; } = [];

    /// <summary>
    /// Eventual consistency after creating a service account: for each kind of request touching the new
    /// account (read it, read its policy, write its policy, add it as a member) the first N answer as if it did not exist.
    /// </summary>
    public int PropagationDelayRequests { get; set; }

    /// <summary>During the propagation window, policy reads answer 403 instead of 404 (both are documented).</summary>
    public bool PropagationReadsAnswerForbidden { get; set; }

    /// <summary>Before each of the next N setIamPolicy requests another writer adds a member, so the request's etag is stale.</summary>
    public int ConcurrentWritesBeforeNextSets { get; set; }

    /// <summary>Cloud SQL operations answer PENDING/RUNNING this many times before DONE.</summary>
    public int OperationPollsBeforeDone { get; set; }

    /// <summary>The next N Cloud SQL inserts answer 409 operationInProgress.</summary>
    public int OperationsInProgress { get; set; }

    /// <summary>The next database insert is accepted but its operation ends DONE with this error.</summary>
    public (string Code, string Message)? NextOperationError { get; set; }

    /// <summary>The next backup run is accepted but its operation ends DONE with this error, and the run FAILED.</summary>
    public (string Code, string Message)? NextBackupRunError { get; set; }

    /// <summary>Another client creates the database between our GET and our insert; the insert answers 400 "already exists".</summary>
    public bool DatabaseCreatedConcurrently { get; set; }

    /// <summary>The next <paramref name="count"/> requests (whose path contains <paramref name="pathContains"/>) answer <paramref name="code"/> (429 or 5xx).</summary>
    public void Burst(int count, HttpStatusCode code, string? pathContains = null)
    {
        for (var i = 0; i < count; i++)
        {
            _bursts.Enqueue((code, pathContains));
        }
    }

    internal HttpStatusCode? TakeBurst(string path)
    {
        if (_bursts.TryPeek(out var burst) && (burst.PathContains == null || path.Contains(burst.PathContains, StringComparison.Ordinal)))
        {
            _bursts.Dequeue();
            return burst.Code;
        }

        return null;
    }
}
