using System.Net;
using Microsoft.Data.Sqlite;

namespace Backprop.Api.Tests.Models;

/// <summary>Deleting a model races nothing into a 500, and is refused while an unfinished job needs the
/// model.</summary>
public sealed class ModelDeletionTests : IDisposable
{
    // A SQLite file on either suite: one test edits it directly between two apps on it.
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"backprop-test-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(_database + suffix);
    }

    /// <summary>An iris model trained in a first app on the database; returns its id and the ids of its network and
    /// dataset.</summary>
    private async Task<(Guid Model, Guid Network, Guid Dataset)> TrainAsync()
    {
        using var factory = new ApiFactory(_database, sqlite: true) { KeepDatabase = true };
        var client = factory.CreateClient();
        var (network, dataset) = (await client.CreateIrisNetworkAsync(), await client.UploadIrisAsync());
        var job = await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 3, seed = 1 });
        return ((Guid)job["modelId"]!, network, dataset);
    }

    [Fact]
    public async Task ExportWeights_WhenTheWeightsGoBeforeTheRow_Returns404()
    {
        var (model, _, _) = await TrainAsync();
        // The state a delete leaves between the export's reads of the model row and of its weights.
        await using (var connection = new SqliteConnection($"Data Source={_database};Pooling=False"))
        {
            await connection.OpenAsync();
            var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM \"ModelBlobs\"";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        using var factory = new ApiFactory(_database, sqlite: true) { KeepDatabase = true };
        var response = await factory.CreateClient().GetAsync($"/api/models/{model}/weights");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Delete_AModelAQueuedWarmStartJobNeeds_Returns409UntilTheJobIsCancelled()
    {
        var (model, network, dataset) = await TrainAsync();
        // jobs stay queued
        using var factory = new ApiFactory(_database, sqlite: true) { KeepDatabase = true }.With("Jobs:WorkerEnabled",
            "false");
        var client = factory.CreateClient();
        var job = (Guid)(await client.StartJobAsync(new { networkId = network, datasetId = dataset, epochs = 3,
            warmStartModelId = model }))["id"]!;

        var problem = await (await client.DeleteAsync($"/api/models/{model}"))
            .ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains(model.ToString(), (string)problem["detail"]!);
        await (await client.GetAsync($"/api/models/{model}")).ExpectAsync(HttpStatusCode.OK);

        await (await client.PostAsync($"/api/jobs/{job}/cancel", null)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/models/{model}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/models/{model}")).StatusCode);
    }

    [Fact]
    public async Task Delete_AModelAQueuedContinueJobNeeds_Returns409()
    {
        var (model, _, _) = await TrainAsync();
        using var factory = new ApiFactory(_database, sqlite: true) { KeepDatabase = true }.With("Jobs:WorkerEnabled",
            "false");
        var client = factory.CreateClient();
        await (await client.PostJsonAsync($"/api/models/{model}/continue", """{"epochs": 5}"""))
            .ExpectAsync(HttpStatusCode.Accepted);
        await (await client.DeleteAsync($"/api/models/{model}")).ExpectProblemAsync(HttpStatusCode.Conflict);
    }
}
