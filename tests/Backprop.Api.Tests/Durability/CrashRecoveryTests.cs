using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Backprop.Api.Tests.Durability;

/// <summary>A queued job is a promise: it finishes, whatever happens to the process, with an exact history.</summary>
[Collection(ServiceProcessCollection.Name)]
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    // Long enough (several seconds at ~4k epochs/s on this network) that the kill lands mid-training, not after the end.
    private const int Epochs = 1500;
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AJobKilledMidTrainingResumesFromItsCheckpointWithTheWeightsOfAnUninterruptedRun()
    {
        await using var service = new ServiceProcess(DigitsJob.FastRecoverySettings());
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var client = await service.StartAsync();
            output.WriteLine($"{clock.Elapsed}: ready");
            var (network, dataset) = await DigitsJob.CreateAsync(client);
            var job = await DigitsJob.StartAsync(client, network, dataset, Epochs);
            var seen = await client.WaitForJobAsync(job, j => (int)j["epoch"]! >= 20, JobTimeout);
            service.Kill();
            Assert.True((string)seen["status"]! == "running" && (int)seen["epoch"]! < Epochs, seen.ToJsonString());
            Assert.Equal("Running", ReadJob(service.DatabasePath).Status); // killed while training
            output.WriteLine($"{clock.Elapsed}: killed at epoch ≥ {seen["epoch"]}");

            client = await service.StartAsync();
            output.WriteLine($"{clock.Elapsed}: restarted");
            var reference = await DigitsJob.StartAsync(client, network, dataset, Epochs);
            var resumed = await DigitsJob.AssertSucceededWithContiguousHistoryAsync(client, job, Epochs, JobTimeout);
            var uninterrupted = await DigitsJob.AssertSucceededWithContiguousHistoryAsync(client, reference, Epochs, JobTimeout);
            output.WriteLine($"{clock.Elapsed}: both finished");

            Assert.Equal(2, (int)resumed["attempt"]!);
            Assert.Contains($"Job {job} resumes from its checkpoint", service.Log);
            Assert.Equal(await DigitsJob.WeightsAsync(client, uninterrupted), await DigitsJob.WeightsAsync(client, resumed));
            DigitsJob.AssertSameCurves(await DigitsJob.HistoryAsync(client, reference), await DigitsJob.HistoryAsync(client, job));
        }
        catch
        {
            output.WriteLine(service.Log);
            throw;
        }
    }

    [Fact]
    public async Task OnSigtermARunningJobCheckpointsAndResumesAtTheNextStartWithTheWeightsOfAnUninterruptedRun()
    {
        var settings = DigitsJob.FastRecoverySettings();
        settings["Jobs:CheckpointInterval"] = "00:01:00"; // so the state on disk after SIGTERM is the shutdown's own checkpoint, not a timed one
        await using var service = new ServiceProcess(settings);
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var client = await service.StartAsync();
            output.WriteLine($"{clock.Elapsed}: ready");
            var (network, dataset) = await DigitsJob.CreateAsync(client);
            var job = await DigitsJob.StartAsync(client, network, dataset, Epochs);
            var seen = await client.WaitForJobAsync(job, j => (int)j["epoch"]! >= 10, JobTimeout);

            var (exitCode, took) = await service.TerminateAsync(TimeSpan.FromSeconds(30));
            output.WriteLine($"{clock.Elapsed}: SIGTERM at epoch ≥ {seen["epoch"]}, exited with {exitCode} after {took.TotalMilliseconds:F0} ms");
            Assert.Equal(0, exitCode);
            Assert.True(took < TimeSpan.FromSeconds(30), $"took {took}");
            var left = ReadJob(service.DatabasePath);
            Assert.Equal("Queued", left.Status);                // handed back, not cancelled
            Assert.Null(left.LeaseOwner);
            Assert.Equal(left.Epoch, left.CheckpointEpoch);    // progress and checkpoint written together
            Assert.True(left.Epoch >= (int)seen["epoch"]! && left.Epoch < Epochs, $"left at epoch {left.Epoch}");

            client = await service.StartAsync();
            output.WriteLine($"{clock.Elapsed}: restarted");
            var reference = await DigitsJob.StartAsync(client, network, dataset, Epochs);
            var resumed = await DigitsJob.AssertSucceededWithContiguousHistoryAsync(client, job, Epochs, JobTimeout);
            var uninterrupted = await DigitsJob.AssertSucceededWithContiguousHistoryAsync(client, reference, Epochs, JobTimeout);
            output.WriteLine($"{clock.Elapsed}: both finished");

            Assert.Equal(2, (int)resumed["attempt"]!);
            Assert.Equal(await DigitsJob.WeightsAsync(client, uninterrupted), await DigitsJob.WeightsAsync(client, resumed));
            DigitsJob.AssertSameCurves(await DigitsJob.HistoryAsync(client, reference), await DigitsJob.HistoryAsync(client, job));
        }
        catch
        {
            output.WriteLine(service.Log);
            throw;
        }
    }

    [Fact]
    public async Task KillsDuringStartUpAndMigrationDoNotPreventTheNextStart()
    {
        await using var service = new ServiceProcess(DigitsJob.FastRecoverySettings());
        try
        {
            // From before the database exists to well into the migration (a fresh start takes about a second here).
            foreach (var delay in new[] { 150, 400, 650, 900 })
            {
                service.Launch();
                await Task.Delay(delay);
                service.Kill();
            }
            // And the lock row of a migration killed at the worst moment, however the kills above fell.
            await using (var connection = new SqliteConnection($"Data Source={service.DatabasePath};Pooling=False"))
            {
                await connection.OpenAsync();
                var command = connection.CreateCommand();
                command.CommandText = """
                    CREATE TABLE IF NOT EXISTS "__EFMigrationsLock" ("Id" INTEGER NOT NULL PRIMARY KEY, "Timestamp" TEXT NOT NULL);
                    INSERT OR REPLACE INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, '2020-01-01 00:00:00');
                    """;
                await command.ExecuteNonQueryAsync();
            }

            var client = await service.StartAsync(TimeSpan.FromSeconds(30));
            var (network, dataset) = await DigitsJob.CreateAsync(client);
            var job = await DigitsJob.StartAsync(client, network, dataset, 5);
            await DigitsJob.AssertSucceededWithContiguousHistoryAsync(client, job, 5, JobTimeout);
        }
        catch
        {
            output.WriteLine(service.Log);
            throw;
        }
    }

    private sealed record JobRow(string Status, string? LeaseOwner, int Epoch, int? CheckpointEpoch);

    private static JobRow ReadJob(string databasePath)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        var command = connection.CreateCommand();
        command.CommandText = """
            SELECT j."Status", j."LeaseOwner", j."Epoch", c."Epoch" FROM "TrainingJobs" j
            LEFT JOIN "JobCheckpoints" c ON c."JobId" = j."Id" ORDER BY j."CreatedAt" LIMIT 1
            """;
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        return new JobRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetInt32(3));
    }
}
