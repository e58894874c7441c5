using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using Backprop.Api.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Api.Tests.Datasets;

/// <summary>A dataset deleted while a job that uses it is being created: the job is never stored without its
/// data.</summary>
public sealed class DatasetDeleteRaceTests
{
    [Fact]
    public async Task DeleteDataset_BetweenAJobsChecksAndItsInsert_JobIsRefusedWith404()
    {
        var pause = new PauseJobCreation();
        using var factory = new ApiFactory().WithServices(s =>
        {
            s.AddHttpContextAccessor();
            s.ConfigureDbContext<BackpropDbContext>(o => o.AddInterceptors(pause));
            s.ConfigureDbContext<PostgresBackpropDbContext>(o => o.AddInterceptors(pause)); // the context on PostgreSQL
        });
        var client = factory.CreateClient();
        pause.Http = factory.Services.GetRequiredService<IHttpContextAccessor>();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();

        // The job's checks have passed (the dataset existed); it waits at the start of the transaction that stores it.
        var creating = client.PostAsJsonAsync("/api/jobs", new { networkId = network, datasetId = dataset,
            epochs = 1 });
        await pause.Reached.Task.WaitAsync(ApiClient.JobTimeout);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/datasets/{dataset}")).StatusCode);
        pause.Release.SetResult();

        var problem = await (await creating).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains(dataset.ToString(), (string)problem["detail"]!);
        var jobs = await (await client.GetAsync("/api/jobs")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, (int)jobs["totalCount"]!);
    }

    /// <summary>Holds the first transaction that POST /api/jobs starts until <see cref="Release"/> completes.</summary>
    private sealed class PauseJobCreation : DbTransactionInterceptor
    {
        private int _paused;
        public IHttpContextAccessor? Http { get; set; }
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
            DbConnection connection,
            TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result,
                CancellationToken cancellationToken = default)
        {
            if (Http?.HttpContext?.Request is { Method: "POST", Path.Value: "/api/jobs" }
                && Interlocked.Exchange(ref _paused, 1) == 0)
            {
                Reached.SetResult();
                await Release.Task;
            }
            return result;
        }
    }
}
