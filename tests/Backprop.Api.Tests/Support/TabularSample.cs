using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Backprop.Api.Tests.Support;

/// <summary>
/// samples/tabular (made by its generate.py): age, hours, income (numeric), workclass, region (categorical), member
/// (boolean), gaps in five columns, label yes:no = 1:9; train.csv 1200 rows, test.csv 400.
/// </summary>
internal static class TabularSample
{
    public static readonly string[] Columns = ["age", "hours", "income", "workclass", "region", "member"];

    public static string Path(string file) => System.IO.Path.Combine(AppContext.BaseDirectory, "samples", "tabular",
        file);

    /// <summary>Each row's cells as text ("" where missing), the label last.</summary>
    public static List<string[]> Rows(string file) =>
        [.. File.ReadAllLines(Path(file)).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(','))];

    /// <summary>A row as a raw prediction record: numbers, strings, booleans, null where missing.</summary>
    public static Dictionary<string, object?> Record(string[] row)
    {
        var record = new Dictionary<string, object?>();
        for (int c = 0; c < Columns.Length; c++)
            record[Columns[c]] = row[c].Length == 0 ? null
                : c < 3 ? double.Parse(row[c], CultureInfo.InvariantCulture)
                : c == 5 ? row[c] == "true"
                : row[c];
        return record;
    }

    public static async Task<Guid> UploadAsync(HttpClient client, string csv, string query = "")
    {
        var response = await client.PostAsync($"/api/datasets?name=tabular&targetColumn=label{query}",
            new StringContent(csv, Encoding.UTF8, "text/csv"));
        return (Guid)(await response.ExpectAsync(HttpStatusCode.Created))["id"]!;
    }

    public static Task<Guid> CreateNetworkAsync(HttpClient client, int inputWidth, int hidden = 16) =>
        client.CreateNetworkAsync(new
    {
        name = "tabular-mlp",
        inputWidth,
        layers = new object[] { new { units = hidden, activation = "relu" },
            new { units = 2, activation = "softmax" } },
        loss = "categorical_cross_entropy",
        seed = 5,
    });

    /// <summary>Predicted labels and P(yes) for every row of a file, through raw records.</summary>
    public static async Task<(string[] Labels, double[] Yes, JsonArray Predictions)> PredictAsync(HttpClient client,
        Guid model, List<string[]> rows)
    {
        var records = rows.Select(Record).ToList();
        var response = await (await client.PostAsJsonAsync($"/api/models/{model}/predict", new { records }))
            .ExpectAsync(HttpStatusCode.OK);
        var predictions = response["predictions"]!.AsArray();
        return ([.. predictions.Select(p => (string)p!["label"]!)],
            [.. predictions.Select(p => (double)p!["probabilities"]!["yes"]!)], predictions);
    }

    public static double Accuracy(List<string[]> rows, string[] labels) => (double)rows.Zip(labels)
        .Count(p => p.First[^1] == p.Second) / rows.Count;

    public static double Recall(List<string[]> rows, string[] labels, string label) =>
        (double)rows.Zip(labels).Count(p => p.First[^1] == label && p.Second == label) / rows.Count(r =>
            r[^1] == label);
}
