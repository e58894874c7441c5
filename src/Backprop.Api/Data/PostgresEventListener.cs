using Npgsql;

namespace Backprop.Api.Data;

/// <summary>
/// One connection per replica that LISTENs on <see cref="ClusterEvents.Channel"/> and hands each notification to
/// <see cref="ClusterEvents"/>. While the connection is down, <see cref="ClusterEvents.Live"/> is false (caches go to
/// the database) and
/// it reconnects every second; on every connect and disconnect each handler runs once for "everything", since events
/// may have been missed.
/// </summary>
internal sealed class PostgresEventListener(DatabaseInfo database, ClusterEvents events,
    ILogger<PostgresEventListener> logger) : BackgroundService
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!database.IsPostgres) return;
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false,
            KeepAlive = 5 }.ConnectionString;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                connection.Notification += (_, e) => events.Dispatch(e.Payload);
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {ClusterEvents.Channel}",
                    connection)) await listen.ExecuteNonQueryAsync(stoppingToken);
                events.SetListening(true);
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (events.Live) logger.LogWarning(e,
                    "Lost the PostgreSQL event connection; caches are bypassed until it is back.");
                events.SetListening(false);
            }
            try { await Task.Delay(Retry, stoppingToken); } catch (OperationCanceledException) { return; }
        }
    }
}
