using System.Net;
using System.Net.Http.Json;

namespace Backprop.Api.Tests.Models;

/// <summary>POST /api/models/{id}/evaluate against metrics computed here from the model's own predictions.</summary>
public sealed class ModelEvaluationTests
{
    [Fact]
    public async Task Evaluate_Classification_MatchesMetricsComputedFromPredictions()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var train = await client.UploadCsvAsync("train", Sample("train.csv"), "species");
        var test = await client.UploadCsvAsync("test", Sample("test.csv"), "species");
        var network = await client.CreateIrisNetworkAsync();
        // few epochs: some mistakes to count
        var job = await client.TrainAsync(new { networkId = network, datasetId = train, epochs = 3, seed = 5 });
        var model = job["modelId"]!.ToString();

        var lines = Sample("test.csv").Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..].Select(l => l.Split(','))
            .ToArray();
        var records = lines.Select(c => new Dictionary<string, double>
        {
            ["sepal_length"] = double.Parse(c[0], System.Globalization.CultureInfo.InvariantCulture),
            ["sepal_width"] = double.Parse(c[1], System.Globalization.CultureInfo.InvariantCulture),
            ["petal_length"] = double.Parse(c[2], System.Globalization.CultureInfo.InvariantCulture),
            ["petal_width"] = double.Parse(c[3], System.Globalization.CultureInfo.InvariantCulture),
        }).ToArray();
        var predictions = (await (await client.PostAsJsonAsync($"/api/models/{model}/predict", new { records }))
            .ExpectAsync(HttpStatusCode.OK))["predictions"]!.AsArray();
        var evaluation = await (await client.PostAsJsonAsync($"/api/models/{model}/evaluate", new { datasetId = test }))
            .ExpectAsync(HttpStatusCode.OK);

        var classes = evaluation["classNames"]!.AsArray().Select(c => (string)c!).ToList();
        var actual = lines.Select(c => classes.IndexOf(c[4].Trim())).ToArray();
        var predicted = predictions.Select(p => classes.IndexOf((string)p!["label"]!)).ToArray();
        Assert.Equal(30, (int)evaluation["rows"]!);
        Assert.Equal(actual.Zip(predicted).Count(p => p.First == p.Second) / 30.0, (double)evaluation["accuracy"]!, 12);
        for (int a = 0; a < 3; a++)
            for (int p = 0; p < 3; p++)
                Assert.Equal(actual.Zip(predicted).Count(x => x.First == a && x.Second == p),
                    (int)evaluation["confusionMatrix"]![a]![p]!);
        for (int c = 0; c < 3; c++)
        {
            int tp = actual.Zip(predicted).Count(x => x.First == c && x.Second == c), support = actual.Count(x =>
                x == c), predictedAs = predicted.Count(x => x == c);
            var metrics = evaluation["perClass"]![c]!;
            Assert.Equal(support, (int)metrics["support"]!);
            if (predictedAs > 0) Assert.Equal((double)tp / predictedAs, (double)metrics["precision"]!, 12);
            Assert.Equal((double)tp / support, (double)metrics["recall"]!, 12);
        }
        // Log loss from the returned probabilities (float32 on the wire, so 1e-5).
        double logLoss = -predictions.Select((p, i) => Math.Log((double)p!["probabilities"]![classes[actual[i]]]!))
            .Average();
        Assert.Equal(logLoss, (double)evaluation["logLoss"]!, 5);
    }

    [Fact]
    public async Task Evaluate_Regression_GivesRmseMaeAndR2()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var csv = "x,y\n" + string.Join("\n", Enumerable.Range(0, 40).Select(i => $"{i},{2 * i + 1}"));
        var dataset = await client.UploadCsvAsync("line", csv, "y", "regression");
        var network = await client.CreateNetworkAsync(new { inputWidth = 1,
            layers = new[] { new { units = 1, activation = "identity" } }, loss = "mean_squared_error" });
        var job = await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 2 });
        var rows = Enumerable.Range(0, 40).Select(i => new[] { (double)i }).ToArray();
        var values = (await (await client.PostAsJsonAsync($"/api/models/{job["modelId"]}/predict", new { rows }))
            .ExpectAsync(HttpStatusCode.OK))["predictions"]!
            .AsArray().Select(p => (double)p!["values"]![0]!).ToArray();
        var e = await (await client.PostAsJsonAsync($"/api/models/{job["modelId"]}/evaluate",
            new { datasetId = dataset })).ExpectAsync(HttpStatusCode.OK);
        var errors = values.Select((v, i) => v - (2 * i + 1)).ToArray();
        double mean = Enumerable.Range(0, 40).Average(i => 2 * i + 1.0);
        double sst = Enumerable.Range(0, 40).Sum(i => Math.Pow(2 * i + 1 - mean, 2));
        Assert.Equal(Math.Sqrt(errors.Average(d => d * d)), (double)e["rmse"]!, 4);
        Assert.Equal(errors.Average(Math.Abs), (double)e["mae"]!, 4);
        Assert.Equal(1 - errors.Sum(d => d * d) / sst, (double)e["r2"]!, 4);
    }

    private static string Sample(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples",
        "iris-raw", file));
}
