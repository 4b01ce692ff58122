using System.Globalization;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Kubernetes;

/// <summary>A coordination.k8s.io/v1 Lease as the deploy lock reads it; <see cref="ResourceVersion"/> makes every write conditional.</summary>
public sealed record Lease(string Name, string? Holder, int DurationSeconds, DateTimeOffset? AcquireTime, DateTimeOffset? RenewTime, int Transitions, string? ResourceVersion)
{
    public bool IsHeld => !string.IsNullOrEmpty(Holder);

    /// <summary>A holder that stops renewing loses the lease by itself once its duration has passed since the last renewal.</summary>
    public bool IsExpired(DateTimeOffset now) => RenewTime == null || RenewTime.Value.AddSeconds(DurationSeconds) < now;
}

/// <summary>Thrown when a conditional write lost a race: the Lease was created or changed by someone else since it was read.</summary>
public sealed class LeaseConflictException(string message) : Exception(message);

/// <summary>Reads and writes one Lease in the namespace; creates and replacements are refused (409) when someone else got there first.</summary>
public interface ILeaseApi
{
    Task<Lease?> GetAsync(string name, CancellationToken cancellationToken);

    /// <summary>Creates the Lease; <see cref="LeaseConflictException"/> when it already exists.</summary>
    Task<Lease> CreateAsync(Lease lease, CancellationToken cancellationToken);

    /// <summary>Replaces the Lease read at <see cref="Lease.ResourceVersion"/>; <see cref="LeaseConflictException"/> when it changed since.</summary>
    Task<Lease> ReplaceAsync(Lease lease, CancellationToken cancellationToken);
}

/// <summary>The Lease through the API server, in the process (no kubectl start per write); replace carries its resourceVersion.</summary>
public sealed class KubeLeaseApi(Lazy<KubeApi> api, string kubeNamespace) : ILeaseApi
{
    private const string Resource = "leases.coordination.k8s.io";
    private const string MicroTime = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public async Task<Lease?> GetAsync(string name, CancellationToken cancellationToken) =>
        await api.Value.GetAsync(Resource, name, cancellationToken) is { } item ? Parse(item) : null;

    public Task<Lease> CreateAsync(Lease lease, CancellationToken cancellationToken) =>
        WriteAsync(() => api.Value.CreateAsync(Resource, Render(lease, kubeNamespace), cancellationToken));

    public Task<Lease> ReplaceAsync(Lease lease, CancellationToken cancellationToken) =>
        WriteAsync(() => api.Value.ReplaceAsync(Resource, lease.Name, Render(lease, kubeNamespace), cancellationToken));

    public static Lease Parse(JsonObject item)
    {
        var spec = item["spec"] as JsonObject ?? [];
        return new Lease(
            item["metadata"]!["name"]!.GetValue<string>(),
            spec["holderIdentity"]?.GetValue<string>(),
            spec["leaseDurationSeconds"]?.GetValue<int>() ?? 0,
            Time(spec["acquireTime"]),
            Time(spec["renewTime"]),
            spec["leaseTransitions"]?.GetValue<int>() ?? 0,
            item["metadata"]!["resourceVersion"]?.GetValue<string>());
    }

    public static JsonObject Render(Lease lease, string ns)
    {
        var metadata = new JsonObject { ["name"] = lease.Name, ["namespace"] = ns };
        if (lease.ResourceVersion != null)
        {
            metadata["resourceVersion"] = lease.ResourceVersion;
        }

        var spec = new JsonObject { ["leaseDurationSeconds"] = lease.DurationSeconds, ["leaseTransitions"] = lease.Transitions };
        if (lease.Holder != null)
        {
            spec["holderIdentity"] = lease.Holder;
        }

        if (lease.AcquireTime is { } acquired)
        {
            spec["acquireTime"] = acquired.UtcDateTime.ToString(MicroTime, CultureInfo.InvariantCulture);
        }

        if (lease.RenewTime is { } renewed)
        {
            spec["renewTime"] = renewed.UtcDateTime.ToString(MicroTime, CultureInfo.InvariantCulture);
        }

        return new JsonObject { ["apiVersion"] = "coordination.k8s.io/v1", ["kind"] = "Lease", ["metadata"] = metadata, ["spec"] = spec };
    }

    private static DateTimeOffset? Time(JsonNode? value) =>
        value?.GetValue<string>() is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal) : null;

    private static async Task<Lease> WriteAsync(Func<Task<JsonObject>> write)
    {
        try
        {
            return Parse(await write());
        }
        catch (KubectlException exception) when (exception.IsAlreadyExists || exception.IsConflict)
        {
            throw new LeaseConflictException(exception.Result.Error.Trim());
        }
    }
}
