namespace Backprop.Api.Data;

public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>When SQLite syncs its write-ahead log to disk (PRAGMA synchronous).</summary>
public enum SqliteSynchronous { Full, Normal }

/// <summary>Which database holds the service's state ("Database" section); the connection string is
/// ConnectionStrings:Backprop.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>
    /// sqlite: one file, one process (the embedded default). postgres: a server that several replicas share; claims,
    /// quotas,
    /// cache invalidation and wake-ups then go through the database (see docs/scale-out.md).
    /// </summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// full: every commit is synced to disk before it returns (nothing acknowledged is lost, even on power loss).
    /// normal: the log is synced at checkpoints only, so a commit costs no disk sync; a killed process still loses
    /// nothing, a power loss or OS crash may roll back the last commits (a finished job then runs again from its
    /// checkpoint). SQLite only.
    /// </summary>
    public SqliteSynchronous SqliteSynchronous { get; set; } = SqliteSynchronous.Full;
}

/// <summary>The database this process uses, resolved at start.</summary>
public sealed record DatabaseInfo(DatabaseProvider Provider, string ConnectionString)
{
    public bool IsPostgres => Provider == DatabaseProvider.Postgres;
}
