using System.Net;
using System.Net.Http.Json;
using Backprop.Api.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Api.Tests.Data;

/// <summary>
/// Two replicas (two apps) on one PostgreSQL database: what one of them changes holds on the other. Bounds are checked
/// without
/// clocks: after the change, a marker event is sent through replica A, and once replica B has heard the marker it has
/// heard
/// everything committed before it (PostgreSQL delivers notifications in commit order), so B must already behave.
/// </summary>
public sealed class ReplicaTests
{
    [PostgresFact]
    public async Task RevokedKey_OnReplicaA_IsRefusedByReplicaB()
    {
        using var a = new ApiFactory();
        using var b = Replica(a);
        var key = await a.CreateTenantKeyAsync("acme");
        var onB = b.CreateClientWithKey(key);
        // B has now verified and cached the key
        await (await onB.GetAsync("/api/networks")).ExpectAsync(HttpStatusCode.OK);

        var keyId = (string)(await (await a.CreateAdminClient().GetAsync("/api/admin/keys?tenant=acme"))
            .ReadJsonAsync())["items"]![0]!["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await a.CreateAdminClient()
            .DeleteAsync($"/api/admin/keys/{keyId}")).StatusCode);
        await RoundTripAsync(a, b);

        await (await onB.GetAsync("/api/networks")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [PostgresFact]
    public async Task DeletedModel_ThroughReplicaA_IsGoneOnReplicaB()
    {
        using var a = new ApiFactory();
        using var b = Replica(a);
        var onA = a.CreateClient();
        var onB = b.CreateClient();
        var job = await onA.TrainAsync(new { networkId = await onA.CreateIrisNetworkAsync(),
            datasetId = await onA.UploadIrisAsync(), epochs = 2 });
        var predict = $"/api/models/{job["modelId"]}/predict";
        var rows = new { rows = new[] { new[] { 5.1, 3.5, 1.4, 0.2 } } };
        await (await onB.PostAsJsonAsync(predict, rows)).ExpectAsync(HttpStatusCode.OK); // B has the model loaded

        Assert.Equal(HttpStatusCode.NoContent, (await onA.DeleteAsync($"/api/models/{job["modelId"]}")).StatusCode);
        await RoundTripAsync(a, b);

        Assert.Equal(HttpStatusCode.NotFound, (await onB.PostAsJsonAsync(predict, rows)).StatusCode);
    }

    [PostgresFact]
    public async Task JobsAcceptedByTwoReplicasAtOnce_ForOneTenant_AdmitExactlyTheQuota()
    {
        using var a = new ApiFactory().With("Jobs:WorkerEnabled", "false").With("Tenancy:MaxQueuedJobs", "3");
        using var b = Replica(a).With("Jobs:WorkerEnabled", "false").With("Tenancy:MaxQueuedJobs", "3");
        var onA = a.CreateClient();
        var onB = b.CreateClient();
        var request = new { networkId = await onA.CreateIrisNetworkAsync(), datasetId = await onA.UploadIrisAsync(),
            epochs = 2 };

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? onA : onB)
            .PostAsJsonAsync("/api/jobs", request)));

        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(9, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(3, (int)(await (await onB.GetAsync("/api/jobs?status=queued")).ReadJsonAsync())["totalCount"]!);
    }

    [PostgresFact]
    public async Task JobQueuedOnReplicaA_WithoutWorkers_IsRunByIdleReplicaBWithoutWaitingForItsSweep()
    {
        using var a = new ApiFactory().With("Jobs:WorkerEnabled", "false");
        using var b = Replica(a).With("Jobs:SweepInterval", "01:00:00"); // only a wake-up from A can start the job
        var onA = a.CreateClient();
        b.CreateClient(); // B is up and idle: its start-up sweep found nothing
        var job = await onA.StartJobAsync(new { networkId = await onA.CreateIrisNetworkAsync(),
            datasetId = await onA.UploadIrisAsync(), epochs = 2 });

        var finished = await onA.WaitForJobAsync((Guid)job["id"]!);

        Assert.Equal("succeeded", (string)finished["status"]!);
    }

    /// <summary>Another replica on <paramref name="a"/>'s database (A drops the database when it is
    /// disposed).</summary>
    private static ApiFactory Replica(ApiFactory a) => new(a.DatabasePath) { KeepDatabase = true };

    /// <summary>Sends a marker through A's database and waits until B has heard it (a hang, not a slow machine, reaches
    /// the timeout).</summary>
    private static async Task RoundTripAsync(ApiFactory a, ApiFactory b)
    {
        var marker = $"marker-{Guid.NewGuid():N}";
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Services.GetRequiredService<ClusterEvents>().On(ClusterEvent.JobQueued,
            argument => { if (argument == marker) heard.TrySetResult(); });
        await using (var scope = a.Services.CreateAsyncScope())
            await a.Services.GetRequiredService<ClusterEvents>()
                .PublishAsync(scope.ServiceProvider.GetRequiredService<BackpropDbContext>(), ClusterEvent.JobQueued,
                marker);
        await heard.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
