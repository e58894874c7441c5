using Microsoft.Data.Sqlite;

namespace Backprop.Api.Data;

/// <summary>
/// An in-process queue for SQLite's one write lock, taken around the job path's write transactions (submission
/// batches, claims, checkpoints and endings). Two of them that meet inside SQLite wait in its busy handler, which
/// sleeps 1, 2, 5, 10, 15 ... ms between tries: a claim that met the other worker's final write waited 16 ms on
/// average for a lock held about 2 ms. Here the next writer is woken the moment the last one leaves, in arrival order.
/// A writer that waits longer than the connection's busy timeout goes on without the gate, so SQLite decides as it
/// would have; other writers of the process (uploads, API writes) and other processes still meet in SQLite.
/// PostgreSQL locks rows, not the database: the gate is open there.
/// </summary>
public sealed class SqliteWriteGate
{
    private readonly SemaphoreSlim? _lock;
    private readonly TimeSpan _timeout;

    public SqliteWriteGate(DatabaseInfo database)
    {
        if (database.IsPostgres) return;
        _lock = new SemaphoreSlim(1, 1);
        _timeout = TimeSpan.FromSeconds(Math.Max(1, new SqliteConnectionStringBuilder(database.ConnectionString)
            .DefaultTimeout));
    }

    /// <summary>Waits for this process's other gated writers to finish; dispose the entry when the write
    /// committed or rolled back.</summary>
    public async ValueTask<Entry> EnterAsync(CancellationToken ct = default)
    {
        if (_lock is null) return default;
        var wait = _lock.WaitAsync(_timeout, ct);
        if (wait.IsCompleted) return await wait ? new Entry(_lock) : default;
        bool entered = await wait;
        // A timed wait's continuation runs inside the releasing writer's Release(): without this yield, the next
        // writer's whole job (SQLite answers its awaits synchronously) would run on the thread of the one that left.
        await Task.Yield();
        return entered ? new Entry(_lock) : default;
    }

    /// <summary>The gate held, until disposed (nothing, where the gate is open or its wait timed out).</summary>
    public readonly struct Entry(SemaphoreSlim? held) : IDisposable
    {
        public void Dispose() => held?.Release();
    }
}
