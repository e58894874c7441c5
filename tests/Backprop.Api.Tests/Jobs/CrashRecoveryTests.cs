using Xunit.Abstractions;

namespace Backprop.Api.Tests.Jobs;

/// <summary>A queued job is a promise: it finishes, whatever happens to the process, with an exact history.</summary>
[Collection(ServiceProcessCollection.Name)]
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    // The kill lands mid-training on any machine: the job's second history write is held (TestFaults) until the kill or
    // the stop, so the job waits at the checkpoint after it, with the first checkpoint on disk.
    private const int Epochs = 1500;
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Job_KilledMidTraining_ResumesToUninterruptedWeights()
    {
        await using var service = new ServiceProcess(DigitsJob.FastRecoverySettings()) { Output = output };
        var hold = HoldSecondHistoryWrite(service);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (network, dataset, job) = await StartJobUntilHeldAsync(service, clock);
        service.Kill();
        var left = JobRow.Read(service.DatabasePath);
        Assert.Equal("Running", left.Status); // killed while training
        left.AssertConsistent();
        Assert.True(left.Epoch is > 0 and < Epochs, left.ToString());
        output.WriteLine($"{clock.Elapsed}: killed after the checkpoint at epoch {left.Epoch}");

        File.Delete(hold);
        await DigitsJob.AssertResumesLikeAnUninterruptedRunAsync(service, (network, dataset), job, Epochs,
            left.Epoch, JobTimeout);
        output.WriteLine($"{clock.Elapsed}: restarted, resumed and finished like the uninterrupted run");
    }

    [Fact]
    public async Task Job_Sigterm_CheckpointsAndResumesToUninterruptedWeights()
    {
        var settings = DigitsJob.FastRecoverySettings();
        // so the state on disk after SIGTERM is the shutdown's own checkpoint, not a timed one
        settings["Jobs:CheckpointInterval"] = "00:01:00";
        await using var service = new ServiceProcess(settings) { Output = output };
        var hold = HoldSecondHistoryWrite(service); // released when the service begins to stop
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (network, dataset, job) = await StartJobUntilHeldAsync(service, clock);

        var (exitCode, took) = await service.TerminateAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"{clock.Elapsed}: SIGTERM at the second checkpoint, exited with {exitCode} after " +
            $"{took.TotalMilliseconds:F0} ms");
        Assert.Equal(0, exitCode);
        var left = JobRow.Read(service.DatabasePath);
        Assert.Equal("Queued", left.Status);                // handed back, not cancelled
        Assert.Null(left.LeaseOwner);
        left.AssertConsistent();                           // progress, checkpoint and history written together
        // past the held write (epochs 11..20)
        Assert.True(left.Epoch is >= 20 and < Epochs, $"left at epoch {left.Epoch}");

        File.Delete(hold);
        await DigitsJob.AssertResumesLikeAnUninterruptedRunAsync(service, (network, dataset), job, Epochs,
            left.Epoch, JobTimeout);
        output.WriteLine($"{clock.Elapsed}: restarted, resumed and finished like the uninterrupted run");
    }

    [Fact]
    public async Task DefaultJob_KilledMidRefit_ResumesTheRefitToUninterruptedWeights()
    {
        await using var service = new ServiceProcess(DigitsJob.FastRecoverySettings()) { Output = output };
        // the refit's start and its first checkpoint are written; the next history write waits for the kill
        var hold = HoldSecondHistoryWrite(service, after: 2);
        service.Configure("TestFaults:HoldHistoryWritesFromRefit", "true");
        var client = await service.StartAsync();
        var (network, dataset) = await DigitsJob.CreateAsync(client);
        object Defaults() => new { networkId = network, datasetId = dataset, seed = 5 };
        var job = (Guid)(await client.StartJobAsync(Defaults()))["id"]!;
        await service.WaitForLogAsync("TestFaults: history write held.", JobTimeout);
        service.Kill();
        var left = JobRow.Read(service.DatabasePath);
        Assert.Equal("Running", left.Status);
        left.AssertConsistent();
        Assert.True(left.RefitFromEpoch is { } from && left.Epoch > from, left.ToString()); // mid-refit
        output.WriteLine($"killed in the refit after epoch {left.RefitFromEpoch}, at epoch {left.Epoch}");

        File.Delete(hold);
        client = await service.StartAsync();
        var reference = (Guid)(await client.StartJobAsync(Defaults()))["id"]!;
        var resumed = await client.WaitForJobAsync(job, timeout: JobTimeout);
        var uninterrupted = await client.WaitForJobAsync(reference, timeout: JobTimeout);
        Assert.Equal(("succeeded", "succeeded"), ((string)resumed["status"]!, (string)uninterrupted["status"]!));

        Assert.Contains($"Job {job} resumes from its checkpoint at epoch {left.Epoch} (attempt ", service.Log);
        Assert.Equal(left.RefitFromEpoch, (int?)resumed["refitFromEpoch"]);
        Assert.Equal(((int)uninterrupted["refitFromEpoch"]!, (int)uninterrupted["epoch"]!),
            ((int)resumed["refitFromEpoch"]!, (int)resumed["epoch"]!));
        var history = await DigitsJob.HistoryAsync(client, job);
        DigitsJob.AssertContiguous(history, 1, (int)resumed["epoch"]!);
        Assert.Equal(await DigitsJob.WeightsAsync(client, uninterrupted), await DigitsJob.WeightsAsync(client,
            resumed));
        DigitsJob.AssertSameCurves(await DigitsJob.HistoryAsync(client, reference), history);
    }

    /// <summary>Starts the service and a digits job of <see cref="Epochs"/>, and returns once the job's held history
    /// write stops it (its first checkpoint on disk).</summary>
    private async Task<(Guid Network, Guid Dataset, Guid Job)> StartJobUntilHeldAsync(ServiceProcess service,
        System.Diagnostics.Stopwatch clock)
    {
        var client = await service.StartAsync();
        output.WriteLine($"{clock.Elapsed}: ready");
        var (network, dataset) = await DigitsJob.CreateAsync(client);
        var job = await DigitsJob.StartAsync(client, network, dataset, Epochs);
        await service.WaitForLogAsync("TestFaults: history write held.", JobTimeout);
        return (network, dataset, job);
    }

    /// <summary>Holds every history write after the first <paramref name="after"/> while the returned file exists (created
    /// here).</summary>
    private static string HoldSecondHistoryWrite(ServiceProcess service, int after = 1)
    {
        var hold = Path.Combine(service.Folder, "hold-history-writes");
        File.WriteAllText(hold, "");
        service.Configure("TestFaults:HoldHistoryWritesWhileFileExists", hold);
        service.Configure("TestFaults:HoldHistoryWritesAfter", after.ToString(System.Globalization.CultureInfo
            .InvariantCulture));
        return hold;
    }

    [Fact]
    public async Task Start_AfterKillsDuringStartUpAndMigration_Succeeds()
    {
        await using var service = new ServiceProcess(DigitsJob.FastRecoverySettings()) { Output = output };
        // From before the database exists to well into the migration (a fresh start takes about a second here).
        foreach (var delay in new[] { 150, 400, 650, 900 })
        {
            service.Launch();
            await Task.Delay(delay);
            service.Kill();
        }
        // And the lock row of a migration killed at the worst moment, however the kills above fell.
        await TestDatabase.PlantStaleMigrationLockAsync(service.DatabasePath);

        var client = await service.StartAsync();
        var (network, dataset) = await DigitsJob.CreateAsync(client);
        var job = await DigitsJob.StartAsync(client, network, dataset, 5);
        await DigitsJob.AssertSucceededWithContiguousHistoryAsync(client, job, 5, JobTimeout);
    }
}
