using System.Net;
using System.Net.Http.Json;
using Backprop.Api.Tests.Jobs;
using Xunit.Abstractions;

namespace Backprop.Api.Tests.Data;

/// <summary>
/// On a full disk (every write fails with SQLITE_FULL through the test-only TestFaults hook, while a flag file exists)
/// the service starts, serves reads, answers writes with 507, keeps running jobs waiting, and carries on once space is
/// freed.
/// </summary>
[Collection(ServiceProcessCollection.Name)]
public sealed class DiskFullTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Start_OnAFullDisk_ServesReadsAndAnswersWritesWith507UntilSpaceIsFreed()
    {
        await using var service = new ServiceProcess(DigitsJob.FastRecoverySettings()) { Output = output };
        var full = Path.Combine(service.Folder, "disk-full");
        service.Configure("TestFaults:DiskFullWhileFileExists", full);
        var client = await service.StartAsync();
        var (network, _) = await DigitsJob.CreateAsync(client);
        Assert.Equal(0, (await service.TerminateAsync(Timeout)).ExitCode);

        await File.WriteAllTextAsync(full, "");
        client = await service.StartAsync();
        await (await client.GetAsync($"/api/networks/{network}")).ExpectAsync(HttpStatusCode.OK);
        var refused = await (await client.PostAsJsonAsync("/api/networks", NetworkBody()))
            .ExpectProblemAsync(HttpStatusCode.InsufficientStorage);
        Assert.Equal("Insufficient storage", (string)refused["title"]!);
        await (await client.PostAsync("/api/datasets?name=d&targetColumn=y", new StringContent("x,y\n1,2\n2,3\n",
            System.Text.Encoding.UTF8, "text/csv")))
            .ExpectProblemAsync(HttpStatusCode.InsufficientStorage);
        await (await client.DeleteAsync($"/api/networks/{network}"))
            .ExpectProblemAsync(HttpStatusCode.InsufficientStorage);

        File.Delete(full);
        await (await client.PostAsJsonAsync("/api/networks", NetworkBody())).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task RunningJob_WhenTheDiskFills_WaitsWithoutFailingAndSucceedsLikeAnUninterruptedRunOnceSpaceIsFreed()
    {
        var settings = JobFaultTests.FaultSettings(retries: 1);
        await using var service = new ServiceProcess(settings) { Output = output };
        var full = Path.Combine(service.Folder, "disk-full");
        var hold = Path.Combine(service.Folder, "hold-job-loads");
        service.Configure("TestFaults:DiskFullWhileFileExists", full);
        service.Configure("TestFaults:HoldJobLoadsWhileFileExists", hold);
        var client = await service.StartAsync();
        var (network, dataset) = await DigitsJob.CreateAsync(client);
        await File.WriteAllTextAsync(hold, "");
        var job = await DigitsJob.StartAsync(client, network, dataset, 300);
        await service.WaitForLogAsync("TestFaults: job load held.", Timeout);
        await File.WriteAllTextAsync(full, ""); // the disk fills before the job's first checkpoint
        File.Delete(hold);

        await service.WaitForLogAsync($"Job {job} gives up its lease", Timeout);
        var waiting = await client.GetJobAsync(job);
        Assert.True((string)waiting["status"]! is "running" or "queued", waiting.ToJsonString());
        await (await client.PostAsJsonAsync("/api/networks", NetworkBody()))
            .ExpectProblemAsync(HttpStatusCode.InsufficientStorage);

        File.Delete(full);
        var resumed = await DigitsJob.AssertSucceededWithContiguousHistoryAsync(client, job, 300, Timeout);
        var reference = await DigitsJob.StartAsync(client, network, dataset, 300);
        await DigitsJob.AssertSameAsReferenceAsync(client, job, resumed, reference, 300, Timeout);
    }

    private static object NetworkBody() => new
    {
        inputWidth = 2, layers = new object[] { new { units = 1, activation = "identity" } },
            loss = "mean_squared_error",
    };
}
