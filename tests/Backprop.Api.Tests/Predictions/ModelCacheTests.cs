using System.Diagnostics.Metrics;
using Backprop.Api.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Backprop.Api.Predictions;
using Backprop.Api.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Tests.Predictions;

/// <summary>A model deleted while a prediction loads it is neither served from that load nor put back in the
/// cache.</summary>
public sealed class ModelCacheTests
{
    /// <summary>One SQLite process: events are always live, so the cache is in use.</summary>
    private static ClusterEvents SingleProcessEvents() =>
        new(new DatabaseInfo(DatabaseProvider.Sqlite, "Data Source=:memory:"), NullLogger<ClusterEvents>.Instance);

    private static CachedModel Model() => new(new TrainedModel(
        new NetworkSpec(2, [new LayerSpec(2, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy),
        [.. Enumerable.Range(0, 6).Select(i => i / 10f)], TaskKind.Classification, Normalizer.Identity(2), null,
            ["a", "b"], ["no", "yes"], null), "tenant");

    private static BackpropMetrics Metrics() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());

    [Fact]
    public async Task GetAsync_WhenTheModelIsRemovedWhileItLoads_ReadsAgainAndFindsItGone()
    {
        var cache = new ModelCache(Options.Create(new PredictionOptions()), SingleProcessEvents(), Metrics());
        var id = Guid.NewGuid();
        var firstRead = new TaskCompletionSource<CachedModel?>();
        var loads = 0;
        bool deleted = false;
        var loading = cache.GetAsync(id, () => Interlocked.Increment(ref loads) == 1 ? firstRead.Task
            : Task.FromResult(deleted ? null : Model()));

        // The delete lands while the first load is in flight; that load read the row just before it.
        deleted = true;
        cache.Remove(id);
        firstRead.SetResult(Model());

        Assert.Null(await loading);
        Assert.Equal(2, loads);
        Assert.Null(await cache.GetAsync(id, () => Task.FromResult<CachedModel?>(null))); // nothing was put back
    }
}
