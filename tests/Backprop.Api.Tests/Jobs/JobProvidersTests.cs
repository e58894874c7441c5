namespace Backprop.Api.Tests.Jobs;

/// <summary>
/// One process may hold apps on both databases (the PostgreSQL suite does, where a test needs SQLite's file): what the
/// job path keeps per process (compiled queries among it) must serve each database's model.
/// </summary>
public sealed class JobProvidersTests
{
    [PostgresFact(Needs = "Apps on both databases need PostgreSQL")]
    public async Task Jobs_InPostgresAndSqliteAppsOfOneProcess_EachSucceeds()
    {
        foreach (bool sqlite in new[] { false, true, false, true })
        {
            using var factory = new ApiFactory(sqlite: sqlite);
            Assert.Equal(!sqlite, factory.IsPostgres);
            var client = factory.CreateClient();
            var (network, dataset) = (await client.CreateIrisNetworkAsync(), await client.UploadIrisAsync());
            var job = await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 3, seed = 1 });
            Assert.Equal(3, (int)job["epoch"]!);
        }
    }
}
