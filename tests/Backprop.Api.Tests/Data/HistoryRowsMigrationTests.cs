using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;

namespace Backprop.Api.Tests.Data;

/// <summary>The history quota counts a job's rows on its job row; the migration that added the count counts the
/// history stored before it.</summary>
public sealed class HistoryRowsMigrationTests
{
    [Fact]
    public async Task Start_OnHistoryStoredBeforeJobsCountedIt_CountsThatHistoryAgainstTheQuota()
    {
        string databasePath;
        Guid network, dataset;
        using (var before = new ApiFactory(sqlite: true) { KeepDatabase = true })
        {
            databasePath = before.DatabasePath;
            var client = before.CreateClient();
            (network, dataset) = (await client.CreateIrisNetworkAsync(), await client.UploadIrisAsync());
            await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 60, batchSize = 120 });
        }
        // The database as the previous migration left it: its 60 history rows, no count on the job row.
        SqliteConnection.ClearAllPools();
        await using (var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            var drop = connection.CreateCommand();
            drop.CommandText = """ALTER TABLE "TrainingJobs" DROP COLUMN "HistoryRows";""";
            await drop.ExecuteNonQueryAsync();
            var forget = connection.CreateCommand();
            forget.CommandText = """DELETE FROM "__EFMigrationsHistory" WHERE "MigrationId" LIKE '%JobHistoryRows';""";
            Assert.Equal(1, await forget.ExecuteNonQueryAsync());
        }

        using var after = new ApiFactory(databasePath, sqlite: true).With("Tenancy:MaxHistoryRows", "100");
        var migrated = after.CreateClient();
        var problem = await (await migrated.PostAsJsonAsync("/api/jobs", new { networkId = network,
            datasetId = dataset, epochs = 41 })).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("the tenant stores 60", (string)problem["detail"]!);
        await migrated.StartJobAsync(new { networkId = network, datasetId = dataset, epochs = 40 });
    }
}
