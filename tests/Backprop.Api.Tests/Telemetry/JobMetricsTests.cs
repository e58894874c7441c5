using System.Net;
using System.Net.Http.Json;
using Backprop.Api.Jobs.Live;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Backprop.Api.Tests.Telemetry;

/// <summary>The service's metrics as OpenTelemetry's in-memory exporter sees them after a collection.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class JobMetricsTests
{
    [Fact]
    public async Task Metrics_AfterTrainingAndPredicting_CountJobsEpochsPredictionsCacheAndRejections()
    {
        var exported = new List<MetricSnapshot>();
        using var factory = new ApiFactory()
            .With("Predictions:MaxCachedModels", "1").With("RateLimits:PredictionsPerWindow", "4")
            .WithServices(s => s.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(exported)));
        var client = factory.CreateClient();
        var job = await client.TrainAsync(await IrisJobAsync(client, epochs: 5));
        var first = (Guid)job["modelId"]!;
        // a miss
        var weights = await (await client.GetAsync($"/api/models/{first}/weights")).ExpectAsync(HttpStatusCode.OK);
        var copy = new { name = "copy", model = weights };
        var imported = await (await client.PostAsJsonAsync("/api/models/import", copy))
            .ExpectAsync(HttpStatusCode.Created);
        var second = (Guid)imported["id"]!;

        var row = new[] { 5.1, 3.5, 1.4, 0.2 };
        await (await Predict(first, 3)).ExpectAsync(HttpStatusCode.OK);  // hit
        await (await Predict(first, 2)).ExpectAsync(HttpStatusCode.OK);  // hit
        // miss; the cache holds one model, so the first goes
        await (await Predict(second, 1)).ExpectAsync(HttpStatusCode.OK);
        await (await Predict(second, 1)).ExpectAsync(HttpStatusCode.OK); // hit
        // the fifth in a window of four
        await (await Predict(second, 1)).ExpectProblemAsync(HttpStatusCode.TooManyRequests);

        Assert.True(factory.Services.GetRequiredService<MeterProvider>().ForceFlush());
        var finished = Single(exported, "backprop.jobs.finished");
        Assert.Equal(1, finished.GetSumLong());
        Assert.Equal(("succeeded", "completed"), (Tag(finished, "status"), Tag(finished, "stop_reason")));
        Assert.Equal(5, Single(exported, "backprop.training.epoch.duration").GetHistogramCount());
        var throughput = Single(exported, "backprop.training.throughput");
        Assert.Equal(5, throughput.GetHistogramCount());
        Assert.True(throughput.GetHistogramSum() > 0);
        Assert.Equal(4, Single(exported, "backprop.prediction.duration").GetHistogramCount());
        var rows = Single(exported, "backprop.prediction.rows");
        Assert.Equal((4, 7.0), (rows.GetHistogramCount(), rows.GetHistogramSum()));
        Assert.Equal(3, Single(exported, "backprop.model_cache.hits").GetSumLong());
        Assert.Equal(2, Single(exported, "backprop.model_cache.misses").GetSumLong());
        Assert.Equal(1, Single(exported, "backprop.model_cache.evictions").GetSumLong());
        var rejected = Single(exported, "backprop.rate_limit.rejections");
        Assert.Equal((1L, "predictions"), (rejected.GetSumLong(), Tag(rejected, "policy")));
        Assert.Equal(0, Single(exported, "backprop.jobs.queued").GetGaugeLastValueLong());
        Assert.Equal(0, Single(exported, "backprop.jobs.running").GetGaugeLastValueLong());

        Task<HttpResponseMessage> Predict(Guid model, int count) =>
            client.PostAsJsonAsync($"/api/models/{model}/predict", new { rows = Enumerable.Repeat(row, count) });
    }

    [Fact]
    public async Task JobGauges_WithTheWorkerOff_CountTheQueuedRows()
    {
        var exported = new List<MetricSnapshot>();
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false")
            .WithServices(s => s.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(exported)));
        var client = factory.CreateClient();
        var request = await IrisJobAsync(client, epochs: 5);
        await client.StartJobAsync(request);
        await client.StartJobAsync(request);

        Assert.True(factory.Services.GetRequiredService<MeterProvider>().ForceFlush());
        Assert.Equal(2, Single(exported, "backprop.jobs.queued").GetGaugeLastValueLong());
        Assert.Equal(0, Single(exported, "backprop.jobs.running").GetGaugeLastValueLong());
    }

    [Fact]
    public async Task EventStreamsGauge_ClientConnectsThenDisconnects_CountsOneThenZero()
    {
        var exported = new List<MetricSnapshot>();
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false")
            .WithServices(s => s.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(exported)))
            .StartOnKestrel();
        var client = factory.CreateKestrelClient();
        var metrics = factory.Services.GetRequiredService<MeterProvider>();
        var job = await client.StartJobAsync(await IrisJobAsync(client, epochs: 5));

        // The job stays queued (no worker), so only the client's leaving can end its stream.
        using (var stream = await EventStream.OpenAsync(client, (Guid)job["id"]!))
        {
            var first = await stream.NextAsync().WaitAsync(ApiClient.JobTimeout);
            Assert.Equal(("status", "queued"), (first!.Type, first.Status));
            Assert.True(metrics.ForceFlush());
            Assert.Equal(1, Single(exported, "backprop.job_events.streams").GetSumLong());
        }

        using var gone = new CancellationTokenSource(ApiClient.JobTimeout);
        await factory.Services.GetRequiredService<LiveJobs>().WaitForSubscribersAsync(0, gone.Token);
        Assert.True(metrics.ForceFlush());
        Assert.Equal(0, Single(exported, "backprop.job_events.streams").GetSumLong());
    }

    internal static async Task<object> IrisJobAsync(HttpClient client, int epochs) =>
        new { networkId = await client.CreateIrisNetworkAsync(), datasetId = await client.UploadIrisAsync(), epochs };

    /// <summary>The one point of the metric's latest snapshot.</summary>
    private static MetricPoint Single(List<MetricSnapshot> exported, string name) =>
        Assert.Single(exported.Last(m => m.Name == name).MetricPoints);

    private static string? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == key) return tag.Value as string;
        return null;
    }
}
