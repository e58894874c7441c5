using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Api.Tests.Jobs;

/// <summary>
/// A job without epochs lets a validation split choose the epoch count, then trains again on every row from the same
/// initial weights for that count (the request's refit, on by default there).
/// </summary>
public sealed class RefitTests
{
    [Fact]
    public async Task DefaultJob_AfterTheSplitChoseTheEpochs_RefitsEveryRowFromTheSameStart()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();

        var job = await client.TrainAsync(new { networkId = network, datasetId = dataset });
        var id = (Guid)job["id"]!;
        Assert.True((bool)job["request"]!["refit"]!);
        Assert.Equal("refit", (string?)job["phase"]);
        int from = (int)job["refitFromEpoch"]!, chosen = (int)job["refitEpochs"]!;
        Assert.Equal((int)job["bestEpoch"]!, chosen); // the split's best epoch (its weights were the best)
        Assert.Equal(from + chosen, (int)job["epochs"]!);
        Assert.Equal(from + chosen, (int)job["epoch"]!);
        // the selection stopped early unless it used its whole budget
        Assert.Equal(from < 1000 ? "early_stopped" : "completed", (string?)job["stopReason"]);

        var history = await client.GetHistoryAsync(id);
        Assert.Equal(Enumerable.Range(1, from + chosen), history.Select(e => (int)e["epoch"]!));
        Assert.All(history.Take(from), e =>
        {
            Assert.Equal("selection", (string?)e["phase"]);
            Assert.NotNull(e["validationLoss"]);
        });
        Assert.All(history.Skip(from), e =>
        {
            Assert.Equal("refit", (string?)e["phase"]);
            Assert.Null(e["validationLoss"]);
        });

        var model = await (await client.GetAsync($"/api/models/{job["modelId"]}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(chosen, (int)model["lineage"]!["epochs"]!);
        Assert.Equal("training_data", (string?)model["metrics"]!["evaluatedOn"]);
        Assert.Equal(120, (int)model["metrics"]!["rows"]!); // every row of the training file

        // The refit is exactly a run of that many epochs on every row, from the network's own initial weights.
        var plain = await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = chosen });
        Assert.Null(plain["phase"]);
        Assert.Equal(await DigitsJob.WeightsAsync(client, plain), await DigitsJob.WeightsAsync(client, job));
        var plainHistory = await client.GetHistoryAsync((Guid)plain["id"]!);
        Assert.Equal(plainHistory.Select(e => e["trainLoss"]!.ToJsonString()),
            history.Skip(from).Select(e => e["trainLoss"]!.ToJsonString()));
    }

    [Fact]
    public async Task GetJob_DuringTheRefit_ShowsItsPhaseEpochsAndRemainingTime()
    {
        // The refit's first checkpoint is held until the file goes: the job cannot finish before it is looked at.
        var hold = Path.Combine(Path.GetTempPath(), $"refit-hold-{Guid.NewGuid():N}");
        File.WriteAllText(hold, "");
        try
        {
            using var factory = new ApiFactory().With("Jobs:CheckpointEveryEpochs", "10")
                .With("TestFaults:HoldHistoryWritesWhileFileExists", hold)
                .With("TestFaults:HoldHistoryWritesAfter", "1").With("TestFaults:HoldHistoryWritesFromRefit", "true");
            var client = factory.CreateClient();
            var job = await client.StartJobAsync(new { networkId = await client.CreateIrisNetworkAsync(),
                datasetId = await client.UploadIrisAsync() });
            var id = (Guid)job["id"]!;

            var live = await client.WaitForJobAsync(id, j => (string?)j["phase"] == "refit"
                && (int)j["epoch"]! > (int)j["refitFromEpoch"]!);
            Assert.Equal("running", (string?)live["status"]);
            int from = (int)live["refitFromEpoch"]!;
            Assert.Equal(from + (int)live["refitEpochs"]!, (int)live["epochs"]!);
            Assert.Equal((int)live["bestEpoch"]!, (int)live["refitEpochs"]!); // the selection's best, kept
            Assert.Null(live["validationLoss"]); // the refit holds nothing out
            Assert.NotNull(live["estimatedRemainingSeconds"]);

            File.Delete(hold);
            var done = await client.WaitForJobAsync(id);
            Assert.Equal(("succeeded", from), ((string)done["status"]!, (int)done["refitFromEpoch"]!));
        }
        finally
        {
            File.Delete(hold);
        }
    }

    [Fact]
    public async Task HistoryCsv_RefittingJob_NamesEachEpochsPhase()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var job = await client.TrainAsync(new { networkId = await client.CreateIrisNetworkAsync(),
            datasetId = await client.UploadIrisAsync() });
        int from = (int)job["refitFromEpoch"]!, end = (int)job["epoch"]!;

        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{job["id"]}/history");
        request.Headers.Accept.ParseAdd("text/csv");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var header = lines[0].Split(',');
        int epochColumn = Array.IndexOf(header, "epoch"), phaseColumn = Array.IndexOf(header, "phase");
        Assert.True(phaseColumn > 0, lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(Enumerable.Range(1, end), rows.Select(r => int.Parse(r[epochColumn],
            System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(rows, r => Assert.Equal(int.Parse(r[epochColumn], System.Globalization.CultureInfo.InvariantCulture)
            > from ? "refit" : "selection", r[phaseColumn]));
    }

    [Fact]
    public async Task DefaultJob_RefitFalse_EndsWithTheSplitsBestWeights()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();

        var job = await client.TrainAsync(new { networkId = network, datasetId = dataset, refit = false });
        Assert.False((bool)job["request"]!["refit"]!);
        Assert.Null(job["phase"]);
        Assert.Null(job["refitFromEpoch"]);
        Assert.Equal(1000, (int)job["epochs"]!);
        var history = await client.GetHistoryAsync((Guid)job["id"]!);
        Assert.Equal((int)job["epoch"]!, history.Count);
        Assert.All(history, e => Assert.Null(e["phase"]));
        var model = await (await client.GetAsync($"/api/models/{job["modelId"]}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("validation_split", (string?)model["metrics"]!["evaluatedOn"]);
    }

    [Fact]
    public async Task Job_RefitWithGivenEpochsAndASplitThatChooses_Refits()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var job = await client.TrainAsync(new
        {
            networkId = await client.CreateIrisNetworkAsync(), datasetId = await client.UploadIrisAsync(),
            epochs = 40, validationFraction = 0.2, earlyStopping = new { monitor = "validation_loss", patience = 3 },
            refit = true,
        });
        Assert.Equal("refit", (string?)job["phase"]);
        int from = (int)job["refitFromEpoch"]!;
        Assert.True(from <= 40, job.ToJsonString());
        Assert.Equal(from + (int)job["bestEpoch"]!, (int)job["epoch"]!);
    }

    [Fact]
    public async Task Job_EpochsGiven_DoesNotRefitByDefault()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var job = await client.StartJobAsync(new
        {
            networkId = await client.CreateIrisNetworkAsync(), datasetId = await client.UploadIrisAsync(),
            epochs = 5, validationFraction = 0.2, earlyStopping = new { monitor = "validation_loss" },
        });
        Assert.False((bool)job["request"]!["refit"]!);
        Assert.Null(job["phase"]);
    }

    public static TheoryData<string, string> RefusedRefits => new()
    {
        // no split chooses: epochs given without early stopping, or early stopping on the training loss
        { """{"epochs": 5, "refit": true}""", "validationFraction" },
        { """{"validationFraction": 0, "refit": true}""", "validationFraction" },
        { """{"earlyStopping": {"monitor": "train_loss"}, "refit": true}""", "validation_loss" },
        { """{"crossValidation": {"folds": 3}, "refit": true}""", "trainFinalModel" },
    };

    [Theory]
    [MemberData(nameof(RefusedRefits))]
    public async Task Job_RefitWithoutASplitThatChooses_Returns400NamingRefit(string options, string mentions)
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var body = JsonNode.Parse(options)!.AsObject();
        body["networkId"] = await client.CreateIrisNetworkAsync();
        body["datasetId"] = await client.UploadIrisAsync();

        var problem = await (await client.PostJsonAsync("/api/jobs", body.ToJsonString()))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        var message = (string)problem["errors"]!["refit"]![0]!;
        Assert.Contains(mentions, message);
    }

    [Fact]
    public async Task Job_RefitWithAWarmStart_Returns400()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();
        var first = await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 2 });

        var problem = await (await client.PostAsJsonAsync("/api/jobs", new { networkId = network, datasetId = dataset,
            warmStartModelId = first["modelId"], refit = true })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("warm start", (string)problem["errors"]!["refit"]![0]!);
        // and without refit a warm-started default job keeps the split's choice as its model
        var warm = await client.TrainAsync(new { networkId = network, datasetId = dataset,
            warmStartModelId = first["modelId"] });
        Assert.False((bool)warm["request"]!["refit"]!);
    }

    [Fact]
    public async Task ContinueTraining_OfARefitModel_TrainsOnWithoutRefitting()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var job = await client.TrainAsync(new { networkId = await client.CreateIrisNetworkAsync(),
            datasetId = await client.UploadIrisAsync() });
        int chosen = (int)job["refitEpochs"]!;

        var more = await (await client.PostAsJsonAsync($"/api/models/{job["modelId"]}/continue", new { epochs = 3 }))
            .ExpectAsync(HttpStatusCode.Accepted);
        var finished = await client.WaitForJobAsync((Guid)more["id"]!);
        Assert.Equal("succeeded", (string?)finished["status"]);
        Assert.False((bool)finished["request"]!["refit"]!);
        // it carries on the refit's run: every row, no split, no early stopping
        Assert.Equal(0, (double)finished["request"]!["validationFraction"]!);
        Assert.Null(finished["request"]!["earlyStopping"]);
        Assert.All(await client.GetHistoryAsync((Guid)more["id"]!), e => Assert.Null(e["validationLoss"]));
        Assert.Null(finished["phase"]);
        Assert.Equal(chosen + 3, (int)finished["epoch"]!);
    }

    [Fact]
    public async Task Events_RefittingJob_EpochsCarryTheirPhaseAndAStatusMarksTheRefit()
    {
        using var factory = new ApiFactory().With("Live:MaxEventsPerSecond", "0")
            .With("Jobs:CheckpointEveryEpochs", "10");
        factory.UseKestrel(0);
        factory.StartServer();
        var addresses = factory.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!;
        using var client = new HttpClient { BaseAddress = new Uri(addresses.Addresses.First()),
            Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiFactory.DefaultKey);
        var job = await client.StartJobAsync(new { networkId = await client.CreateIrisNetworkAsync(),
            datasetId = await client.UploadIrisAsync() });

        using var stream = await EventStream.OpenAsync(client, (Guid)job["id"]!);
        var events = await stream.ReadToEndAsync().WaitAsync(ApiClient.JobTimeout);

        var last = events[^1];
        Assert.Equal(("status", "succeeded", "refit"), (last.Type, last.Status, (string?)last.Data["phase"]));
        int from = (int)last.Data["refitFromEpoch"]!, end = (int)last.Data["epochs"]!;
        var epochs = events.Where(e => e.Type == "epoch").ToList();
        Assert.Equal(Enumerable.Range(1, end), epochs.Select(e => e.Epoch));
        Assert.All(epochs, e => Assert.Equal(e.Epoch > from ? "refit" : "selection", (string?)e.Data["phase"]));
        // A stream that saw the selection run sees the refit start before its first epoch; one opened after the job
        // finished gets the stored epochs and the final status only.
        if (events[0].Type == "status" && (string?)events[0].Data["phase"] == "selection")
        {
            int marker = events.FindIndex(e => e.Type == "status" && (string?)e.Data["phase"] == "refit");
            Assert.Equal(events.FindIndex(e => e.Type == "epoch" && e.Epoch == from + 1) - 1, marker);
            Assert.Equal((from, end), ((int)events[marker].Data["refitFromEpoch"]!,
                (int)events[marker].Data["epochs"]!));
        }
        else Assert.Single(events, e => e.Type == "status");
    }
}
