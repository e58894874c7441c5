namespace Backprop.Api.Tests.Jobs;

/// <summary>Workers take turns over the tenants with queued jobs, so one tenant's backlog cannot hold every
/// worker.</summary>
public sealed class FairSchedulingTests
{
    [Fact]
    public async Task Worker_TwoTenantsWithQueuedJobs_ClaimsTheirJobsInTurn()
    {
        string database;
        var a = new List<Guid>();
        var b = new List<Guid>();
        using (var queueing = new ApiFactory().With("Jobs:WorkerEnabled", "false"))
        {
            queueing.KeepDatabase = true;
            database = queueing.DatabasePath;
            var clientA = queueing.CreateClient();
            var clientB = await queueing.CreateTenantClientAsync("tenant-b");
            var requestA = new { networkId = await clientA.CreateIrisNetworkAsync(),
                datasetId = await clientA.UploadIrisAsync(), epochs = 2 };
            var requestB = new { networkId = await clientB.CreateIrisNetworkAsync(),
                datasetId = await clientB.UploadIrisAsync(), epochs = 2 };
            // Tenant A's whole backlog is older than any of B's: first in, first out would run A, A, A, then B.
            for (int i = 0; i < 3; i++) a.Add((Guid)(await clientA.StartJobAsync(requestA))["id"]!);
            for (int i = 0; i < 3; i++) b.Add((Guid)(await clientB.StartJobAsync(requestB))["id"]!);
        }

        using var running = new ApiFactory(database).With("Jobs:MaxConcurrentJobs", "1");
        var client = running.CreateClient();
        var keyB = await running.CreateTenantKeyAsync("tenant-b");
        var started = new List<(DateTime At, string Tenant)>();
        foreach (var id in a) started.Add((StartedAt(await client.WaitForJobAsync(id)), "a"));
        var clientB2 = running.CreateClientWithKey(keyB);
        foreach (var id in b) started.Add((StartedAt(await clientB2.WaitForJobAsync(id)), "b"));

        Assert.Equal(["a", "b", "a", "b", "a", "b"], started.OrderBy(s => s.At).Select(s => s.Tenant));
    }

    private static DateTime StartedAt(System.Text.Json.Nodes.JsonNode job)
    {
        Assert.Equal("succeeded", (string)job["status"]!);
        return (DateTime)job["startedAt"]!;
    }
}
