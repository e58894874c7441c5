using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Backprop.Api.Tests.Data;

/// <summary>The migration lock row is removed only when its holder is provably gone, never under a migration that is
/// still running.</summary>
[Collection(ServiceProcessCollection.Name)]
public sealed class MigrationLockTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Start_WhileAnotherProcessMigrates_LeavesItsLockAndWaitsUntilItEnds()
    {
        await using var service = new ServiceProcess(DigitsJob.FastRecoverySettings()) { Output = output };
        await ExecuteAsync(service.DatabasePath, """
            CREATE TABLE "__EFMigrationsLock" ("Id" INTEGER NOT NULL PRIMARY KEY, "Timestamp" TEXT NOT NULL);
            INSERT INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, datetime('now'));
            """);
        // This test process plays the migrating one: it holds the OS lock a migrating service holds.
        using (new FileStream(service.DatabasePath + ".migrating", FileMode.OpenOrCreate, FileAccess.ReadWrite,
            FileShare.None))
        {
            service.Launch();
            await service.WaitForLogAsync("Waiting for another process's migration", Timeout);
            Assert.Equal(1L, await ExecuteAsync(service.DatabasePath,
                "SELECT COUNT(*) FROM \"__EFMigrationsLock\""));
        }
        // its holder gone, the lock is stale: removed, and the start migrates
        var client = await service.WaitUntilReadyAsync();
        var (network, dataset) = await DigitsJob.CreateAsync(client);
        var job = await DigitsJob.StartAsync(client, network, dataset, 5);
        await DigitsJob.AssertSucceededWithContiguousHistoryAsync(client, job, 5, Timeout);
    }

    private static async Task<object?> ExecuteAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}
