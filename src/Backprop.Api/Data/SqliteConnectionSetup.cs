using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Backprop.Api.Data;

/// <summary>
/// Sets each SQLite connection up as it opens. <c>PRAGMA busy_timeout</c> (the connection's command timeout) lets
/// SQLite itself wait for a write lock: without it Microsoft.Data.Sqlite retries a busy statement after sleeping
/// 150 ms each time, so two workers and a request that write at once wait whole 150 ms steps for a lock held for a
/// millisecond; SQLite's own handler retries after 1, 2, 5, 10 ... ms. <c>PRAGMA synchronous</c> is
/// <see cref="DatabaseOptions.SqliteSynchronous"/>.
/// </summary>
internal sealed class SqliteConnectionSetup(SqliteSynchronous synchronous) : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = Pragma(connection);
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        await using var command = Pragma(connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private DbCommand Pragma(DbConnection connection)
    {
        var command = connection.CreateCommand();
        int seconds = connection is SqliteConnection sqlite ? sqlite.DefaultTimeout : 30;
        command.CommandText = $"PRAGMA busy_timeout = {Math.Max(1, seconds) * 1000}; "
            + $"PRAGMA synchronous = {(synchronous == SqliteSynchronous.Normal ? "NORMAL" : "FULL")};";
        return command;
    }
}
