using System.Net;
using Backprop.Client;
using Microsoft.Extensions.DependencyInjection;
using ClientActivation = Backprop.Client.ActivationKind;
using ClientJobStatus = Backprop.Client.JobStatus;
using ClientLoss = Backprop.Client.LossKind;
using ClientPhase = Backprop.Client.JobPhase;
using ClientTask = Backprop.Client.TaskKind;

namespace Backprop.Api.Tests.Client;

/// <summary>
/// The README's walkthrough through <see cref="BackpropClient"/>, registered as a microservice would register it.
/// </summary>
public sealed class ClientFlowTests
{
    private static (BackpropClient Client, ServiceProvider Provider) Connect(ApiFactory factory,
        string key = ApiFactory.DefaultKey, Func<HttpMessageHandler, HttpMessageHandler>? wrap = null)
    {
        var services = new ServiceCollection();
        services.AddBackpropClient(o =>
        {
            o.BaseAddress = factory.Server.BaseAddress;
            o.ApiKey = key;
            o.PollInterval = TimeSpan.FromMilliseconds(20);
        }).ConfigurePrimaryHttpMessageHandler(() =>
            wrap is null ? factory.Server.CreateHandler() : wrap(factory.Server.CreateHandler()));
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<BackpropClient>(), provider);
    }

    private static NetworkDefinition Iris => new("iris-mlp", 4,
        [new(16, ClientActivation.Relu), new(3, ClientActivation.Softmax)], ClientLoss.CategoricalCrossEntropy,
        Seed: 7);

    [Fact]
    public async Task MainFlow_ThroughTheClient_TrainsIrisWithDefaultsAndPredictsTheTestFile()
    {
        using var factory = new ApiFactory();
        var (backprop, provider) = Connect(factory);
        using var _ = provider;

        // The README's microservice, call for call.
        await using var csv = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "samples", "iris-raw", "train.csv"));
        var iris = await backprop.UploadCsvAsync("iris", csv, "species");
        var network = await backprop.CreateNetworkAsync(new NetworkDefinition("iris", iris.EncodedWidth,
            [new(16, ClientActivation.Relu), new(iris.ClassCount, ClientActivation.Softmax)],
            ClientLoss.CategoricalCrossEntropy));
        var job = await backprop.TrainAsync(new TrainingRequest(network.Id, iris.Id));

        Assert.Equal((ClientTask.Classification, 120, 3, 4),
            (iris.Task, iris.RowCount, iris.ClassCount, iris.EncodedWidth));
        Assert.Equal((3, 4 * 16 + 16 + 16 * 3 + 3L), (network.OutputWidth, network.ParameterCount));
        Assert.Equal(ClientJobStatus.Succeeded, job.Status);
        Assert.Contains(job.StopReason, new Backprop.Client.JobStopReason?[] { Backprop.Client.JobStopReason.Completed,
            Backprop.Client.JobStopReason.EarlyStopped });
        var model = job.ModelId!.Value;

        var history = await backprop.GetHistoryAsync(job.Id);
        Assert.Equal(Enumerable.Range(1, job.Epoch), history.Select(e => e.Epoch));
        Assert.True(history[^1].TrainLoss < history[0].TrainLoss);
        // The default lets the validation split choose the epochs, then refits on every row: typed on the client.
        Assert.Equal(ClientPhase.Refit, job.Phase);
        int selection = job.RefitFromEpoch!.Value;
        Assert.Equal(job.Epoch - selection, job.RefitEpochs);
        var phases = Enumerable.Repeat<ClientPhase?>(ClientPhase.Selection, selection)
            .Concat(Enumerable.Repeat<ClientPhase?>(ClientPhase.Refit, job.Epoch - selection));
        Assert.Equal(phases, history.Select(e => e.Phase));

        var test = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "samples", "iris-raw", "test.csv"))
            .Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        var header = test[0];
        var rows = test.Skip(1).ToList();
        var records = rows.Select(r => (IReadOnlyDictionary<string, object?>)header.Take(4)
            .Select((name, i) => (name, value: double.Parse(r[i], System.Globalization.CultureInfo.InvariantCulture)))
            .ToDictionary(p => p.name, p => (object?)p.value)).ToList();
        var byRecord = await backprop.PredictRecordsAsync(model, records);
        int correct = rows.Zip(byRecord.Predictions).Count(p => p.Second.Label == p.First[4]);
        Assert.True(correct >= 0.9 * rows.Count, $"{correct}/{rows.Count} test rows right.");
        // softmax, float precision
        Assert.All(byRecord.Predictions, p => Assert.Equal(1.0, p.Probabilities!.Values.Sum(), 1e-4));

        var byRow = await backprop.PredictAsync(model,
            records.Select(r => header.Take(4).Select(n => (double)r[n]!).ToArray()));
        Assert.Equal(byRecord.Predictions.Select(p => p.Label), byRow.Predictions.Select(p => p.Label));
    }

    [Fact]
    public async Task UploadJson_Records_StoresARegressionDatasetTheClientCanTrainOn()
    {
        using var factory = new ApiFactory();
        var (backprop, provider) = Connect(factory);
        using var _ = provider;
        var records = Enumerable.Range(0, 40).Select(i =>
            (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["x"] = i / 10.0, ["colour"] = i % 2 == 0 ? "red" : "blue", ["y"] = 3 * (i / 10.0) + (i % 2),
        }).ToList();

        var dataset = await backprop.UploadJsonAsync(
            new JsonDatasetUpload("line", TargetColumn: "y", Records: records));
        // x + one-hot colour
        Assert.Equal((ClientTask.Regression, 40, 3), (dataset.Task, dataset.RowCount, dataset.EncodedWidth));
        var network = await backprop.CreateNetworkAsync(new NetworkDefinition("line", dataset.EncodedWidth,
            [new(8, ClientActivation.Tanh), new(1, ClientActivation.Identity)], ClientLoss.MeanSquaredError));
        var job = await backprop.TrainAsync(new TrainingRequest(network.Id, dataset.Id, Epochs: 5, Seed: 1));
        Assert.Equal(ClientJobStatus.Succeeded, job.Status);
        Assert.Null(job.Phase); // a fixed epoch count does not refit
        // The typed option reaches the service: a refit needs a validation split to choose the epochs.
        var refused = await Assert.ThrowsAsync<BackpropApiException>(() => backprop.StartJobAsync(
            new TrainingRequest(network.Id, dataset.Id, Epochs: 5, Refit: true)));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("refit", refused.Problem.Errors!.Keys);

        var answer = await backprop.PredictRecordsAsync(job.ModelId!.Value,
            [new Dictionary<string, object?> { ["x"] = 1.5, ["colour"] = "red" }]);
        Assert.Equal(ClientTask.Regression, answer.Task);
        Assert.True(float.IsFinite(Assert.Single(Assert.Single(answer.Predictions).Values!)!.Value));
    }

    [Fact]
    public async Task Errors_FromTheService_ThrowWithTheirProblemDocument()
    {
        using var factory = new ApiFactory();
        var (backprop, provider) = Connect(factory);
        using var _ = provider;

        var missing = await Assert.ThrowsAsync<BackpropApiException>(
            () => backprop.PredictAsync(Guid.NewGuid(), [[1.0, 2.0]]));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(("Not Found", 404), (missing.Problem.Title, missing.Problem.Status));

        var invalid = await Assert.ThrowsAsync<BackpropApiException>(
            () => backprop.CreateNetworkAsync(Iris with { Loss = ClientLoss.MeanSquaredError }));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains(invalid.Problem.Errors!,
            e => e.Value.Any(m => m.Contains("mean_squared_error", StringComparison.Ordinal)));

        var (stranger, strangerProvider) = Connect(factory, key: "bp_notAKeyThisServiceIssued000000000000000000");
        using var __ = strangerProvider;
        var refused = await Assert.ThrowsAsync<BackpropApiException>(() => stranger.GetJobAsync(Guid.NewGuid()));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task WaitForJob_WhenCancelled_StopsWaitingAndLeavesTheJobQueued()
    {
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false");
        using var cancel = new CancellationTokenSource();
        // Cancels as the first read of the job returns: the wait must then end instead of polling a job that never
        // runs.
        var (backprop, provider) = Connect(factory,
            wrap: inner => new CancelOnJobRead(cancel) { InnerHandler = inner });
        using var _ = provider;
        var csv = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples", "iris", "train.csv"));
        var dataset = await backprop.UploadCsvAsync("iris", csv, "label");
        var network = await backprop.CreateNetworkAsync(Iris);
        var started = await backprop.StartJobAsync(new TrainingRequest(network.Id, dataset.Id, Epochs: 5));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => backprop.WaitForJobAsync(started.Id, cancel.Token));
        Assert.Equal(ClientJobStatus.Queued, (await backprop.GetJobAsync(started.Id)).Status);
    }

    private sealed class CancelOnJobRead(CancellationTokenSource cancel) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var response = await base.SendAsync(request, ct);
            if (request.Method == HttpMethod.Get
                && request.RequestUri!.AbsolutePath.StartsWith("/api/jobs/", StringComparison.Ordinal))
                await cancel.CancelAsync();
            return response;
        }
    }
}
