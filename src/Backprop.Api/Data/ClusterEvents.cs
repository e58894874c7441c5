using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Data;

/// <summary>What one replica tells the others; each kind has one handler per process.</summary>
public enum ClusterEvent { JobQueued, JobCancelRequested, KeyRevoked, ModelDeleted }

/// <summary>
/// Events between the processes that share the database. On PostgreSQL an event is a NOTIFY on <see cref="Channel"/>,
/// sent in the
/// caller's transaction (so it arrives only if and when the change commits) and heard by every replica's
/// <see cref="PostgresEventListener"/>, the sender's included. On SQLite there is one process: the event is handled at
/// once, locally.
/// Handlers are idempotent (wake the workers, cancel a running job, drop a cache entry), so hearing an event twice is
/// harmless.
/// </summary>
public sealed class ClusterEvents(DatabaseInfo database, ILogger<ClusterEvents> logger)
{
    public const string Channel = "backprop_events";
    private readonly Dictionary<ClusterEvent, List<Action<string>>> _handlers = [];
    private volatile bool _listening;

    /// <summary>
    /// True when every change made by another replica reaches this process as an event: always on SQLite, and on
    /// PostgreSQL while the
    /// listener's connection is up. Caches that rely on invalidation are bypassed while it is false.
    /// </summary>
    public bool Live => !database.IsPostgres || _listening;

    public void On(ClusterEvent kind, Action<string> handler)
    {
        lock (_handlers)
        {
            if (!_handlers.TryGetValue(kind, out var list)) _handlers[kind] = list = [];
            list.Add(handler);
        }
    }

    /// <summary>Sends <paramref name="kind"/> to every replica (this one included) through <paramref name="db"/>'s
    /// connection and transaction.</summary>
    public async Task PublishAsync(BackpropDbContext db, ClusterEvent kind, string argument = "",
        CancellationToken ct = default)
    {
        if (!database.IsPostgres)
        {
            Dispatch(kind, argument);
            return;
        }
        string payload = $"{kind}:{argument}";
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {payload})", ct);
    }

    /// <summary>Runs the handlers of one received payload ("Kind:argument").</summary>
    internal void Dispatch(string payload)
    {
        int colon = payload.IndexOf(':');
        if (colon < 0 || !Enum.TryParse<ClusterEvent>(payload[..colon], out var kind)) return;
        Dispatch(kind, payload[(colon + 1)..]);
    }

    private void Dispatch(ClusterEvent kind, string argument)
    {
        Action<string>[] handlers;
        lock (_handlers) handlers = _handlers.TryGetValue(kind, out var list) ? [.. list] : [];
        foreach (var handler in handlers)
        {
            try { handler(argument); }
            catch (Exception e) { logger.LogError(e, "Handler of cluster event {Kind} failed.", kind); }
        }
    }

    /// <summary>Set by the listener; on every change each handler of <see cref="ClusterEvent.KeyRevoked"/> etc. runs
    /// with "*" (anything may have been missed).</summary>
    internal void SetListening(bool listening)
    {
        _listening = listening;
        foreach (var kind in Enum.GetValues<ClusterEvent>()) Dispatch(kind, "*");
    }
}
