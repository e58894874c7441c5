using System.Net;

namespace Backprop.Api.Tests.Data;

/// <summary>What a killed process leaves behind must not hang or lose anything at the next start.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Start_AfterKilledProcess_ClearsStaleLockAndResumesJob()
    {
        string databasePath;
        Guid id;
        using (var killed = new ApiFactory(sqlite: true).With("Jobs:WorkerEnabled", "false"))
        {
            killed.KeepDatabase = true;
            databasePath = killed.DatabasePath;
            var client = killed.CreateClient();
            id = (Guid)(await client.StartJobAsync(new { networkId = await client.CreateIrisNetworkAsync(),
                datasetId = await client.UploadIrisAsync(), epochs = 3 }))["id"]!;
        }
        // As if the process died mid-migration and mid-training: a lock row, and a job still marked running.
        await TestDatabase.PlantStaleMigrationLockAsync(databasePath,
            """UPDATE "TrainingJobs" SET "Status" = 'Running';""");

        using var next = new ApiFactory(databasePath, sqlite: true);
        var start = Task.Run(next.CreateClient);
        // would wait forever on the lock
        Assert.Same(start, await Task.WhenAny(start, Task.Delay(TimeSpan.FromSeconds(30))));
        var restarted = await start;
        var finished = await restarted.WaitForJobAsync(id);
        Assert.Equal("succeeded", (string)finished["status"]!);
        Assert.Equal(HttpStatusCode.OK, (await restarted.GetAsync("/health/ready")).StatusCode);
    }
}
