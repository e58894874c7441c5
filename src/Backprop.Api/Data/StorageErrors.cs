using Microsoft.Data.Sqlite;
using Npgsql;

namespace Backprop.Api.Data;

/// <summary>Storage failures that are the machine's, not the request's: worth a retry, and answered 507/503 rather than
/// 500.</summary>
public static class StorageErrors
{
    private const int Busy = 5, Locked = 6, IoError = 10, Full = 13;
    private const int NoSpace = 28; // ENOSPC, the HResult of an IOException on Unix

    private const string PostgresDiskFull = "53100"; // SQLSTATE disk_full

    /// <summary>The database file, the disk or the PostgreSQL server is out of space (SQLITE_FULL, ENOSPC from a file
    /// write, SQLSTATE 53100).</summary>
    public static bool IsOutOfSpace(Exception e) => Sqlite(e) is { SqliteErrorCode: Full }
        || Postgres(e) is { SqlState: PostgresDiskFull }
        || Io(e) is { HResult: NoSpace or unchecked((int)0x80070070) };

    /// <summary>Out of space, an I/O error, or a lock held past the busy timeout: the same write may succeed
    /// later.</summary>
    public static bool IsTransient(Exception e) =>
        IsOutOfSpace(e) || Sqlite(e) is { SqliteErrorCode: Busy or Locked or IoError };

    /// <summary>A disk I/O error other than lack of space.</summary>
    public static bool IsIoError(Exception e) => Sqlite(e) is { SqliteErrorCode: IoError };

    private static SqliteException? Sqlite(Exception e) => e as SqliteException
        ?? (e.InnerException is { } inner ? Sqlite(inner) : null);
    private static PostgresException? Postgres(Exception e) => e as PostgresException
        ?? (e.InnerException is { } inner ? Postgres(inner) : null);
    private static IOException? Io(Exception e) => e as IOException
        ?? (e.InnerException is { } inner ? Io(inner) : null);
}
