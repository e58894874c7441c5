namespace Backprop.Api.Data;

public enum DatabaseProvider { Sqlite, Postgres }

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
}

/// <summary>The database this process uses, resolved at start.</summary>
public sealed record DatabaseInfo(DatabaseProvider Provider, string ConnectionString)
{
    public bool IsPostgres => Provider == DatabaseProvider.Postgres;
}
