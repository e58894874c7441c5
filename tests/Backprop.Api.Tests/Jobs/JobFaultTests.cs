using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Backprop.Api.Tests.Jobs;

/// <summary>
/// A job survives faults in its own lifecycle (a shutdown while it loads, a checkpoint write that fails) with the
/// weights of an uninterrupted run and a history with no gap and no duplicate. Faults come from the service's test-only
/// TestFaults hooks.
/// </summary>
[Collection(ServiceProcessCollection.Name)]
public sealed class JobFaultTests(ITestOutputHelper output)
{
    private const int Epochs = 300;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Sigterm_WhileAResumedJobIsLoading_KeepsItsCheckpointAndItSucceedsLikeAnUninterruptedRun()
    {
        var settings = DigitsJob.FastRecoverySettings();
        // the state after the first SIGTERM is the shutdown's own checkpoint
        settings["Jobs:CheckpointInterval"] = "00:01:00";
        await using var service = new ServiceProcess(settings) { Output = output };
        var hold = Path.Combine(service.Folder, "hold-job-loads");
        service.Configure("TestFaults:HoldJobLoadsWhileFileExists", hold);
        var client = await service.StartAsync();
        var (network, dataset) = await DigitsJob.CreateAsync(client);
        var job = await DigitsJob.StartAsync(client, network, dataset, 1500);
        await client.WaitForJobAsync(job, j => (int)j["epoch"]! >= 10, Timeout);
        Assert.Equal(0, (await service.TerminateAsync(Timeout)).ExitCode);
        var first = JobRow.Read(service.DatabasePath);
        Assert.Equal("Queued", first.Status);
        first.AssertConsistent();
        Assert.True(first.Epoch is > 0 and < 1500, first.ToString());

        // The next start holds the job in its load (claimed, nothing read yet), and is stopped there.
        await File.WriteAllTextAsync(hold, "");
        await service.StartAsync();
        await service.WaitForLogAsync("TestFaults: job load held.", Timeout);
        Assert.Equal(0, (await service.TerminateAsync(Timeout)).ExitCode);
        var second = JobRow.Read(service.DatabasePath);
        // Handed back with its progress, checkpoint and history untouched (claimed at least once more meanwhile).
        Assert.Equal(first with { Attempt = second.Attempt }, second);
        Assert.True(second.Attempt >= 2, second.ToString());

        // Resumes from the checkpoint the first shutdown wrote.
        File.Delete(hold);
        await DigitsJob.AssertResumesLikeAnUninterruptedRunAsync(service, (network, dataset), job, 1500,
            first.Epoch, Timeout);
    }

    [Fact]
    public async Task CheckpointWrite_FailingFewerTimesThanTheRetries_IsRetriedAndTheJobSucceedsLikeAnUninterruptedRun()
    {
        var settings = FaultSettings(retries: 5);
        settings["TestFaults:FailHistoryWritesAfter"] = "2";
        settings["TestFaults:FailHistoryWrites"] = "3";
        var (_, log) = await RunFaultyThenReferenceAsync(settings);
        Assert.Contains("retry 3 of 5", log);
        Assert.DoesNotContain("gives up its lease", log); // retried, never given up
    }

    [Fact]
    public async Task CheckpointWrite_FailingPastTheRetries_GivesTheJobBackAndItResumesFromItsLastCheckpoint()
    {
        var settings = FaultSettings(retries: 1);
        settings["TestFaults:FailHistoryWritesAfter"] = "2";
        settings["TestFaults:FailHistoryWrites"] = "2";
        var (faulty, log) = await RunFaultyThenReferenceAsync(settings);
        output.WriteLine(log);
        Assert.True((int)faulty["attempt"]! >= 2, faulty.ToJsonString());
        Assert.Contains("gives up its lease (attempt ", log);
        // the two good checkpoints, 10 epochs each
        Assert.Contains("resumes from its checkpoint at epoch 20 (attempt 2)", log);
    }

    internal static Dictionary<string, string> FaultSettings(int retries)
    {
        var settings = DigitsJob.FastRecoverySettings();
        settings["Jobs:CheckpointInterval"] = "00:01:00"; // checkpoints every 10 epochs exactly
        settings["Jobs:WriteRetries"] = retries.ToString();
        settings["Jobs:WriteRetryDelay"] = "00:00:00.010";
        return settings;
    }

    /// <summary>Trains a job through the faults, then (the faults spent) the same job again; both must agree bit for
    /// bit.</summary>
    private async Task<(JsonNode Faulty, string Log)> RunFaultyThenReferenceAsync(Dictionary<string, string> settings)
    {
        await using var service = new ServiceProcess(settings) { Output = output };
        var client = await service.StartAsync();
        var (network, dataset) = await DigitsJob.CreateAsync(client);
        var job = await DigitsJob.StartAsync(client, network, dataset, Epochs);
        var faulty = await DigitsJob.AssertSucceededWithContiguousHistoryAsync(client, job, Epochs, Timeout);
        Assert.Contains("TestFaults: history write", service.Log); // the faults did happen
        var reference = await DigitsJob.StartAsync(client, network, dataset, Epochs); // the faults are spent
        await DigitsJob.AssertSameAsReferenceAsync(client, job, faulty, reference, Epochs, Timeout);
        return (faulty, service.Log);
    }
}
