using System.Collections.Concurrent;
using System.Diagnostics;
using Backprop.Api.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Backprop.Api.Tests.Telemetry;

/// <summary>
/// Each training job is a span with an event per epoch and its stop reason, seen through OpenTelemetry's in-memory
/// exporter.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class JobSpanTests
{
    [Fact]
    public async Task JobSpan_CompletedJob_HasTagsAnEventPerEpochAndTheStopReason()
    {
        var exported = new List<Activity>();
        var ended = new SpanEnded("training job");
        using var factory = new ApiFactory().WithServices(s => s.ConfigureOpenTelemetryTracerProvider(t => t
            .AddInMemoryExporter(exported).AddProcessor(ended)));
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var job = await client.TrainAsync(
            new { networkId = network, datasetId = await client.UploadIrisAsync(), epochs = 7, seed = 3 });
        var jobId = (string)job["id"]!;

        var span = await ended.WaitAsync(jobId);
        Assert.Contains(span, exported);
        Assert.Equal(BackpropTelemetry.Name, span.Source.Name);
        Assert.Equal(ActivityKind.Internal, span.Kind);
        // a job is its own trace, not a child of whatever request woke the worker
        Assert.Equal(default, span.ParentSpanId);
        Assert.Equal(ApiFactory.DefaultTenant, span.GetTagItem("backprop.tenant"));
        Assert.Equal(network.ToString(), span.GetTagItem("backprop.network.id"));
        Assert.Equal("4-16-3", span.GetTagItem("backprop.network.shape"));
        Assert.Equal("succeeded", span.GetTagItem("backprop.job.status"));
        Assert.Equal("completed", span.GetTagItem("backprop.job.stop_reason"));
        Assert.Equal(ActivityStatusCode.Ok, span.Status);

        var epochs = span.Events.Where(e => e.Name == "epoch").ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], epochs.Select(e => (int)e.Tags.Single(t => t.Key == "epoch").Value!));
        var history = await client.GetHistoryAsync(Guid.Parse(jobId));
        Assert.Equal(history.Select(h => (double)h["trainLoss"]!),
            epochs.Select(e => (double)e.Tags.Single(t => t.Key == "train_loss").Value!));
        Assert.All(epochs, e => Assert.Contains(e.Tags,
            t => t.Key == "train_accuracy" && t.Value is double a && a is >= 0 and <= 1));

        // Requests are traced too, by ASP.NET Core's instrumentation, with the route template as their name.
        var request = await ended.WaitForRequestAsync("POST", "/api/jobs/");
        Assert.Contains(request, exported);
        Assert.Equal(ActivityKind.Server, request.Kind);
        Assert.Equal(202, request.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task JobSpan_DefaultJob_MarksTheRefitWithAnEventAndEachEpochsPhase()
    {
        var ended = new SpanEnded("training job");
        using var factory = new ApiFactory().With("Telemetry:MaxEpochEventsPerJob", "100000")
            .WithServices(s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(ended)));
        var client = factory.CreateClient();
        var dataset = await client.UploadIrisAsync();
        int rows = (int)(await (await client.GetAsync($"/api/datasets/{dataset}")).ReadJsonAsync())["rowCount"]!;
        // no epochs: the validation split chooses them, then the job refits on every row
        var job = await client.TrainAsync(new
        {
            networkId = await client.CreateIrisNetworkAsync(), datasetId = dataset, seed = 3,
        });
        Assert.Equal("refit", (string)job["phase"]!);
        int from = (int)job["refitFromEpoch"]!, epochs = (int)job["epoch"]!;

        var span = await ended.WaitAsync((string)job["id"]!);
        Assert.Equal(from, span.GetTagItem("backprop.job.refit_from_epoch"));
        Assert.Equal(epochs, span.GetTagItem("backprop.job.epochs"));
        var events = span.Events.ToList();
        var refit = Assert.Single(events, e => e.Name == "refit");
        Assert.Equal(from, events.IndexOf(refit)); // after the selection's epochs, before the refit's
        Assert.Equal(new object?[] { from, epochs - from, rows }, refit.Tags.Select(t => t.Value));
        var phases = events.Where(e => e.Name == "epoch").Select(e => (string)e.Tags.Single(t => t.Key == "phase")
            .Value!);
        Assert.Equal(Enumerable.Repeat("selection", from).Concat(Enumerable.Repeat("refit", epochs - from)), phases);
    }

    [Fact]
    public async Task JobSpan_DivergedJob_EndsWithErrorStatusAndTheReason()
    {
        var ended = new SpanEnded("training job");
        using var factory = new ApiFactory()
            .WithServices(s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(ended)));
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var started = await client.StartJobAsync(new
        {
            networkId = network, datasetId = await client.UploadIrisAsync(), epochs = 100,
            optimizer = new { kind = "adam", learningRate = 1e6 },
        });
        var job = await client.WaitForJobAsync((Guid)started["id"]!);
        Assert.Equal("diverged", (string)job["stopReason"]!);

        var span = await ended.WaitAsync((string)job["id"]!);
        Assert.Equal("failed", span.GetTagItem("backprop.job.status"));
        Assert.Equal("diverged", span.GetTagItem("backprop.job.stop_reason"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal((string)job["failureReason"]!, span.StatusDescription);
    }

    [Fact]
    public async Task JobSpan_ManyEpochs_KeepsAtMostTheConfiguredEventsAndCountsTheRest()
    {
        var ended = new SpanEnded("training job");
        using var factory = new ApiFactory().With("Telemetry:MaxEpochEventsPerJob", "3")
            .WithServices(s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(ended)));
        var client = factory.CreateClient();
        var job = await client.TrainAsync(await JobMetricsTests.IrisJobAsync(client, epochs: 10));

        var span = await ended.WaitAsync((string)job["id"]!);
        Assert.Equal([1, 2, 3], span.Events.Select(e => (int)e.Tags.Single(t => t.Key == "epoch").Value!));
        Assert.Equal(7, span.GetTagItem("backprop.job.epoch_events_dropped"));
        Assert.Equal(10, span.GetTagItem("backprop.job.epoch"));
    }

    /// <summary>
    /// Completes when the named span of a job (or a request's span) ends; registered after the exporter, so the
    /// exporter has it by then.
    /// </summary>
    private sealed class SpanEnded(string name) : BaseProcessor<Activity>
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<Activity>> _byKey = new();

        public override void OnEnd(Activity data)
        {
            if (data.DisplayName == name && data.GetTagItem("backprop.job.id") is string job)
                For(job).TrySetResult(data);
            if (data.Kind == ActivityKind.Server) For(data.DisplayName).TrySetResult(data);
        }

        public Task<Activity> WaitAsync(string jobId) => For(jobId).Task.WaitAsync(TimeSpan.FromMinutes(2));

        public Task<Activity> WaitForRequestAsync(string method, string route) => WaitAsync($"{method} {route}");

        private TaskCompletionSource<Activity> For(string key) =>
            _byKey.GetOrAdd(key,
                _ => new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
