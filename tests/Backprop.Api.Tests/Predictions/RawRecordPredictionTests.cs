using System.Net;
using System.Net.Http.Json;

namespace Backprop.Api.Tests.Predictions;

/// <summary>Predictions from raw records (strings, booleans, nulls) for a model trained on a table with categories and
/// gaps.</summary>
public sealed class RawRecordPredictionTests
{
    private static async Task<(HttpClient Client, Guid Model)> TrainAsync(ApiFactory factory,
        string unseenLevels = "ignore")
    {
        var client = factory.CreateClient();
        var csv = File.ReadAllText(TabularSample.Path("train.csv"));
        var dataset = await TabularSample.UploadAsync(client, csv);
        var network = await TabularSample.CreateNetworkAsync(client, 14, hidden: 8);
        var job = await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 5, seed = 1,
            preparation = new { unseenLevels } });
        return (client, (Guid)job["modelId"]!);
    }

    [Fact]
    public async Task Predict_RecordsWithUnseenLevelsAndNulls_PredictsEveryRowWithWarnings()
    {
        using var factory = new ApiFactory();
        var (client, model) = await TrainAsync(factory);
        var records = new object[]
        {
            new { age = 39, hours = (double?)null, income = 52000, workclass = "State-gov", region = "west",
                member = true },
            new { age = (int?)null, hours = 40.5, income = 30000, workclass = "Space-agency", region = "north",
                member = (bool?)null },
            new { age = 61, hours = 12.0, income = 90000, workclass = (string?)null, region = "moon", member = false },
        };
        var response = await (await client.PostAsJsonAsync($"/api/models/{model}/predict", new { records }))
            .ExpectAsync(HttpStatusCode.OK);
        var predictions = response["predictions"]!.AsArray();
        Assert.Equal(3, predictions.Count);
        Assert.Null(predictions[0]!["warnings"]); // nulls in numeric and boolean columns are filled silently
        Assert.Contains("'workclass' = 'Space-agency' was not in the training split",
            (string)predictions[1]!["warnings"]![0]!);
        var third = predictions[2]!["warnings"]!.AsArray();
        Assert.Single(third); // a missing workclass has its own level; the unseen region warns
        Assert.Contains("'region' = 'moon'", (string)third[0]!);
        Assert.All(predictions, p => Assert.Equal(1.0, (double)p!["probabilities"]!["yes"]!
            + (double)p["probabilities"]!["no"]!, 5));
    }

    [Fact]
    public async Task Predict_UnseenLevelWhenTheModelRefusesThem_Returns400NamingTheCell()
    {
        using var factory = new ApiFactory();
        var (client, model) = await TrainAsync(factory, unseenLevels: "refuse");
        var records = new[] { new { age = 39, hours = 40, income = 52000, workclass = "Space-agency", region = "west",
            member = true } };
        var problem = await (await client.PostAsJsonAsync($"/api/models/{model}/predict", new { records }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("'Space-agency' is not a level of 'workclass'",
            (string)problem["errors"]!["records[0].workclass"]![0]!);
    }

    [Fact]
    public async Task Predict_BadCellsOrRowsForAPreparedModel_Return400NamingThem()
    {
        using var factory = new ApiFactory();
        var (client, model) = await TrainAsync(factory);
        var records = new object[] { new { age = "old", hours = 40, income = 1, workclass = "Private", region = "west",
            member = "maybe", extra = 1 },
            new { age = "old", hours = 40, income = 1, workclass = "Private", region = "west", member = "maybe" } };
        var problem = await (await client.PostAsJsonAsync($"/api/models/{model}/predict", new { records }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem["errors"]!;
        Assert.Contains("Unknown column(s) extra", (string)errors["records[0]"]![0]!);
        Assert.Contains("Expected a finite number", (string)errors["records[1].age"]![0]!);
        Assert.Contains("Expected true, false", (string)errors["records[1].member"]![0]!);

        var rows = await (await client.PostAsJsonAsync($"/api/models/{model}/predict",
            new { rows = new[] { new[] { 1.0, 2.0 } } })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("send records", (string)rows["errors"]!["rows"]![0]!);
    }

    [Fact]
    public async Task ExportImport_TabularModel_CarriesThePreparationAndPredictsTheSame()
    {
        using var factory = new ApiFactory();
        var (client, model) = await TrainAsync(factory);
        var weights = await (await client.GetAsync($"/api/models/{model}/weights")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(Backprop.Core.Models.ModelSerializer.FormatVersion, (int)weights["version"]!);
        Assert.Equal("categorical", (string)weights["preparation"]!["columns"]![3]!["kind"]!);
        var imported = await (await client.PostAsJsonAsync("/api/models/import", new { name = "copy",
            model = weights })).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(6, imported["preparation"]!["columns"]!.AsArray().Count);

        var rows = TabularSample.Rows("test.csv").Take(50).ToList();
        var (_, original, _) = await TabularSample.PredictAsync(client, model, rows);
        var (_, copy, _) = await TabularSample.PredictAsync(client, (Guid)imported["id"]!, rows);
        Assert.Equal(original, copy);
    }
}
