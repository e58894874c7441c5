using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Backprop.Api.Tests.Predictions;

public sealed class RegressionTests
{
    /// <summary>y = 3·x1 − 2·x2 + 100 with raw-scale inputs (x1 in [0, 200], x2 in [−50, 50]).</summary>
    internal static string LinearCsv(int rows, int seed)
    {
        var random = new Random(seed);
        var csv = new StringBuilder("x1,x2,y\n");
        for (int i = 0; i < rows; i++)
        {
            double x1 = Math.Round(random.NextDouble() * 200, 3), x2 = Math.Round(random.NextDouble() * 100 - 50, 3);
            csv.Append(CultureInfo.InvariantCulture, $"{x1},{x2},{3 * x1 - 2 * x2 + 100}\n");
        }
        return csv.ToString();
    }

    [Fact]
    public async Task Predict_LinearRegression_IsWithinOneRawUnit()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var dataset = await client.UploadCsvAsync("linear", LinearCsv(200, 1), "y", "regression");
        var network = await client.CreateNetworkAsync(new { inputWidth = 2,
            layers = new[] { new { units = 1, activation = "identity" } }, loss = "mean_squared_error", seed = 3 });
        var job = await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 150, batchSize = 20,
            optimizer = new { kind = "adam", learningRate = 0.05 } });

        var model = await (await client.GetAsync($"/api/models/{job["modelId"]}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("training_data", (string)model["metrics"]!["evaluatedOn"]!);
        Assert.True((double)model["metrics"]!["r2"]! > 0.999, model.ToJsonString());

        var points = new[] { (x1: 0.0, x2: 0.0), (x1: 150.0, x2: -40.0), (x1: 37.5, x2: 12.25) };
        var response = await (await client.PostAsJsonAsync($"/api/models/{job["modelId"]}/predict",
            new { records = points.Select(p => new Dictionary<string, double> { ["x1"] = p.x1, ["x2"] = p.x2 }) }))
                .ExpectAsync(HttpStatusCode.OK);
        var predictions = response["predictions"]!.AsArray();
        for (int i = 0; i < points.Length; i++)
        {
            double truth = 3 * points[i].x1 - 2 * points[i].x2 + 100,
                predicted = (double)predictions[i]!["values"]![0]!;
            Assert.True(Math.Abs(predicted - truth) < 1.0,
                $"Row {i}: predicted {predicted}, truth {truth} (tolerance 1.0 raw units).");
        }
        Assert.Equal("y", (string)response["targetNames"]![0]!);
    }
}
