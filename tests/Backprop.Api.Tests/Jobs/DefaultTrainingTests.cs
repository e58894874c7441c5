using System.Net;
using System.Net.Http.Json;
using Xunit.Abstractions;

namespace Backprop.Api.Tests.Jobs;

/// <summary>
/// A job given only networkId and datasetId, on the suggested network (one hidden layer of 100 relu units): a 10 %
/// validation split chooses the epoch count, then the job trains that many again on every row (refit). Against
/// scikit-learn's <c>MLPClassifier()</c> with every default on the same train/test split, inputs standardised with
/// <c>StandardScaler</c> fitted on the training file. The scikit-learn accuracies were computed with Debian's
/// scikit-learn 1.2.1 (<c>apt-get install -y python3-sklearn</c>), random_state 0 to 4:
/// <code>
/// sc = StandardScaler().fit(Xtr); MLPClassifier(random_state=s).fit(sc.transform(Xtr), ytr).score(sc.transform(Xte),
/// yte)
/// </code>
/// iris (samples/iris-raw): 1.0, 1.0, 1.0, 1.0, 1.0, mean 1.0; digits (samples/digits): 0.9778, 0.9722, 0.9833, 0.9750,
/// 0.9778, mean 0.9772.
/// </summary>
public sealed class DefaultTrainingTests(ITestOutputHelper output)
{
    private static readonly ulong[] Seeds = [0, 1, 2, 3, 4];

    [Theory]
    // Margin: a quarter of a test row on the mean (iris' 30 rows, digits' 360), which a default job without the refit
    // misses (0.4 of a row below scikit-learn on both). Measured with the refit: iris 1.0 on every seed, digits 0.9806
    // 0.9778 0.9778 0.9778 0.9806 (mean 0.9789, 0.6 of a row above scikit-learn).
    [InlineData("iris-raw", "species", 1.0, 0.25 / 30)]
    [InlineData("digits", "label", 0.9772, 0.25 / 360)]
    public async Task DefaultJob_OnSuggestedNetwork_MatchesScikitLearnsDefaultAccuracy(string sample, string target,
        double sklearn, double margin)
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var train = await client.UploadCsvAsync($"{sample}-train", ReadSample(sample, "train.csv"), target);
        var test = await client.UploadCsvAsync($"{sample}-test", ReadSample(sample, "test.csv"), target);

        var accuracies = new List<double>();
        foreach (var seed in Seeds)
        {
            var suggested = await (await client.PostAsJsonAsync("/api/networks/suggest", new { datasetId = train,
                seed })).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(100, (int)suggested["layers"]![0]!["units"]!);
            var network = await client.CreateNetworkAsync(suggested);
            var job = await client.TrainAsync(new { networkId = network, datasetId = train });
            Assert.Equal("refit", (string?)job["phase"]);
            var evaluation = await (await client.PostAsJsonAsync($"/api/models/{job["modelId"]}/evaluate",
                new { datasetId = test })).ExpectAsync(HttpStatusCode.OK);
            accuracies.Add((double)evaluation["accuracy"]!);
        }
        output.WriteLine($"{sample}: {string.Join(", ", accuracies.Select(a => a.ToString("F4")))}, " +
            $"mean {accuracies.Average():F4} (scikit-learn {sklearn})");
        Assert.True(accuracies.Average() >= sklearn - margin,
            $"mean test accuracy {accuracies.Average():F4} " +
            $"({string.Join(", ", accuracies.Select(a => a.ToString("F4")))}) < scikit-learn's {sklearn} − " +
            $"{margin:F4}");
    }

    private static string ReadSample(string sample, string file) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples", sample, file));
}
