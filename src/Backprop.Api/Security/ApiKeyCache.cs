using System.Collections.Concurrent;
using Backprop.Api.Data;

namespace Backprop.Api.Security;

/// <summary>
/// Keys already verified against the database, by their SHA-256, so a busy client does not cost a query per request
/// (that query capped every endpoint at a few thousand requests per second). Revoking any key clears the cache of every
/// replica (<see cref="ClusterEvent.KeyRevoked"/>: at once here, within a NOTIFY round trip elsewhere), so a revocation
/// applies
/// to the next request; while a replica cannot hear those events the cache is not used at all, and entries also expire
/// after <see cref="Lifetime"/> as a safety net.
/// Each clear starts a new <see cref="Generation"/>: an authentication reads it before its database query and adds its
/// result only if no clear happened meanwhile, so a key revoked while it was being verified is never cached.
/// </summary>
public sealed class ApiKeyCache
{
    private readonly TimeProvider clock;
    private readonly ClusterEvents events;

    public ApiKeyCache(TimeProvider clock, ClusterEvents events)
    {
        (this.clock, this.events) = (clock, events);
        events.On(ClusterEvent.KeyRevoked, _ => Clear());
    }

    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (Guid KeyId, string TenantId, DateTimeOffset Expires)> _verified =
        new();
    private readonly Lock _lock = new();
    private long _generation;

    /// <summary>Read before looking a key up in the database; pass it to <see cref="Add"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGet(string keyHash, out Guid keyId, out string tenantId)
    {
        if (events.Live && _verified.TryGetValue(keyHash, out var entry) && entry.Expires > clock.GetUtcNow())
        {
            (keyId, tenantId) = (entry.KeyId, entry.TenantId);
            return true;
        }
        (keyId, tenantId) = (Guid.Empty, "");
        return false;
    }

    /// <summary>Remembers a key verified by a lookup that started at <paramref name="generation"/>; ignored if a clear
    /// came since.</summary>
    public void Add(string keyHash, Guid keyId, string tenantId, long generation)
    {
        if (!events.Live) return;
        lock (_lock)
        {
            if (generation != _generation) return;
            // bounded: many distinct keys just fall back to the database
            if (_verified.Count >= MaxEntries) _verified.Clear();
            _verified[keyHash] = (keyId, tenantId, clock.GetUtcNow() + Lifetime);
        }
    }

    /// <summary>Forget every verified key (called on any revocation, after it is written).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            Interlocked.Increment(ref _generation);
            _verified.Clear();
        }
    }
}
