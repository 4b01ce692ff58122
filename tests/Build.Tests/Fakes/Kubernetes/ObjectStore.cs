using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace MlflowGke.Build.Tests.Fakes.Kubernetes;

/// <summary>One change, as a watch sends it: {"type":"ADDED|MODIFIED|DELETED","object":{…}}.</summary>
public sealed record WatchEvent(long ResourceVersion, string Type, ResourceType Resource, JsonObject Object)
{
    public string? Namespace => Object["metadata"]?["namespace"]?.GetValue<string>();
}

/// <summary>
/// The apiserver's storage: objects by type/namespace/name, one resourceVersion counter for all of them, and
/// the event history watches replay from. A write that changes nothing keeps the object's resourceVersion
/// (as etcd-backed writes do for no-op updates); a change to spec bumps metadata.generation.
/// </summary>
public sealed class ObjectStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly List<WatchEvent> _history = [];
    private readonly List<Channel<WatchEvent>> _watchers = [];
    private long _resourceVersion = 1000;

    public long ResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    public JsonObject? Get(ResourceType type, string? ns, string name)
    {
        lock (_lock)
        {
            return _objects.GetValueOrDefault(Key(type, ns, name))?.DeepClone().AsObject();
        }
    }

    public IReadOnlyList<JsonObject> List(ResourceType type, string? ns)
    {
        var prefix = ns == null ? $"{type.ApiVersion}/{type.Plural}/" : Key(type, ns, string.Empty);
        lock (_lock)
        {
            return _objects.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal))
                .OrderBy(pair => pair.Key, StringComparer.Ordinal)
                .Select(pair => pair.Value.DeepClone().AsObject())
                .ToList();
        }
    }

    /// <summary>
    /// Read-modify-write under one lock. <paramref name="change"/> gets a copy of the live object (null when
    /// absent) and returns the new object, or null to leave it alone. Returns the stored object and whether it changed.
    /// A dry run returns what would be stored, and stores nothing.
    /// </summary>
    public (JsonObject? Stored, bool Changed) Write(ResourceType type, string? ns, string name, Func<JsonObject?, JsonObject?> change, bool dryRun = false)
    {
        lock (_lock)
        {
            var key = Key(type, ns, name);
            var live = _objects.GetValueOrDefault(key);
            var updated = change(live?.DeepClone().AsObject());
            if (updated == null)
            {
                return (live?.DeepClone().AsObject(), false);
            }

            var metadata = updated["metadata"]!.AsObject();
            if (live != null)
            {
                metadata["resourceVersion"] = live["metadata"]!["resourceVersion"]!.DeepClone();
                metadata["generation"] = live["metadata"]!["generation"]?.DeepClone();
                if (metadata["generation"] == null)
                {
                    metadata.Remove("generation");
                }

                if (JsonNode.DeepEquals(live, updated))
                {
                    return (live.DeepClone().AsObject(), false);
                }

                if (updated["spec"] != null && !JsonNode.DeepEquals(live["spec"], updated["spec"]))
                {
                    metadata["generation"] = (live["metadata"]!["generation"]?.GetValue<long>() ?? 0) + 1;
                }
            }
            else
            {
                metadata["uid"] = Guid.NewGuid().ToString();
                metadata["creationTimestamp"] = Timestamp();
                if (updated["spec"] != null)
                {
                    metadata["generation"] = 1L;
                }
            }

            if (dryRun)
            {
                return (updated, true);
            }

            metadata["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
            _objects[key] = updated;
            Publish(new WatchEvent(_resourceVersion, live == null ? "ADDED" : "MODIFIED", type, updated.DeepClone().AsObject()));
            return (updated.DeepClone().AsObject(), true);
        }
    }

    public JsonObject? Delete(ResourceType type, string? ns, string name)
    {
        lock (_lock)
        {
            if (!_objects.Remove(Key(type, ns, name), out var removed))
            {
                return null;
            }

            removed["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
            Publish(new WatchEvent(_resourceVersion, "DELETED", type, removed.DeepClone().AsObject()));
            return removed;
        }
    }

    /// <summary>Events after <paramref name="sinceResourceVersion"/> already recorded, and a channel with the ones to come.</summary>
    public (IReadOnlyList<WatchEvent> Backlog, ChannelReader<WatchEvent> Future, Action Unsubscribe) Subscribe(long sinceResourceVersion)
    {
        var channel = Channel.CreateUnbounded<WatchEvent>();
        lock (_lock)
        {
            _watchers.Add(channel);
            var backlog = _history.Where(change => change.ResourceVersion > sinceResourceVersion).ToList();
            return (backlog, channel.Reader, Unsubscribe);
        }

        void Unsubscribe()
        {
            lock (_lock)
            {
                _watchers.Remove(channel);
            }
        }
    }

    public static string Timestamp() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Key(ResourceType type, string? ns, string name) => $"{type.ApiVersion}/{type.Plural}/{ns}/{name}";

    private void Publish(WatchEvent change)
    {
        _history.Add(change);
        foreach (var watcher in _watchers)
        {
            watcher.Writer.TryWrite(change);
        }
    }
}
