using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Backprop.Api.Tests.Support;

/// <summary>The requests a user makes, as a test would make them, with the response bodies as JSON nodes.</summary>
public static class ApiClient
{
    public static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException(
            "Empty body.");

    public static async Task<JsonNode> ExpectAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? new JsonObject() : JsonNode.Parse(body)!;
    }

    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/> and returns it.</summary>
    public static async Task<JsonNode> ExpectProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await response.ExpectAsync(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, (int)problem["status"]!);
        return problem;
    }

    /// <summary>A node's JSON with nothing escaped beyond what JSON needs, for asserting on messages ('quotes',
    /// U+0000).</summary>
    public static string Text(JsonNode node) =>
        node.ToJsonString(new System.Text.Json.JsonSerializerOptions
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, string json) =>
        client.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<Guid> CreateNetworkAsync(this HttpClient client, object definition)
    {
        var created = await (await client.PostAsJsonAsync("/api/networks", definition))
            .ExpectAsync(HttpStatusCode.Created);
        return (Guid)created["id"]!;
    }

    /// <summary>4 inputs → 16 relu → 3 softmax, the iris network of the README.</summary>
    public static Task<Guid> CreateIrisNetworkAsync(this HttpClient client) => client.CreateNetworkAsync(new
    {
        name = "iris-mlp",
        inputWidth = 4,
        layers = new object[] { new { units = 16, activation = "relu" }, new { units = 3, activation = "softmax" } },
        loss = "categorical_cross_entropy",
        seed = 7,
    });

    public static async Task<Guid> UploadCsvAsync(this HttpClient client, string name, string csv, string target,
        string? task = null)
    {
        var url = $"/api/datasets?name={Uri.EscapeDataString(name)}&targetColumn={Uri.EscapeDataString(target)}"
            + (task is null ? "" : $"&task={task}");
        var created = await (await client.PostAsync(url, new StringContent(csv, Encoding.UTF8, "text/csv")))
            .ExpectAsync(HttpStatusCode.Created);
        return (Guid)created["id"]!;
    }

    public static Task<Guid> UploadIrisAsync(this HttpClient client) =>
        client.UploadCsvAsync("iris-train", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples", "iris",
            "train.csv")), "label");

    public static async Task<JsonNode> StartJobAsync(this HttpClient client, object request)
    {
        var response = await client.PostAsJsonAsync("/api/jobs", request);
        var job = await response.ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal($"/api/jobs/{job["id"]}", response.Headers.Location?.OriginalString);
        return job;
    }

    public static async Task<JsonNode> GetJobAsync(this HttpClient client, Guid id) =>
        await (await client.GetAsync($"/api/jobs/{id}")).ExpectAsync(HttpStatusCode.OK);

    /// <summary>Polls the job until <paramref name="done"/> holds (default: a final status), failing after <see
    /// cref="JobTimeout"/>.</summary>
    public static async Task<JsonNode> WaitForJobAsync(this HttpClient client, Guid id,
        Func<JsonNode, bool>? done = null, TimeSpan? timeout = null)
    {
        done ??= j => (string)j["status"]! is "succeeded" or "failed" or "cancelled";
        var deadline = DateTime.UtcNow + (timeout ?? JobTimeout);
        while (true)
        {
            var job = await client.GetJobAsync(id);
            if (done(job)) return job;
            if (DateTime.UtcNow > deadline) throw new TimeoutException(
                $"Job {id} did not get there in time: {job.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    /// <summary>Every epoch of a job's history, following the pages' next links.</summary>
    public static async Task<List<JsonNode>> GetHistoryAsync(this HttpClient client, Guid id)
    {
        var epochs = new List<JsonNode>();
        string? url = $"/api/jobs/{id}/history";
        while (url is not null)
        {
            var page = await (await client.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
            epochs.AddRange(page["epochs"]!.AsArray().Select(e => e!));
            url = (string?)page["next"];
        }
        return epochs;
    }

    public static async Task<JsonNode> TrainAsync(this HttpClient client, object request)
    {
        var job = await client.StartJobAsync(request);
        var finished = await client.WaitForJobAsync((Guid)job["id"]!);
        Assert.True((string)finished["status"]! == "succeeded", finished.ToJsonString());
        return finished;
    }

    public static List<double[]> ReadCsvRows(string file, out string[] header)
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "samples", file)).Where(l => l.Length > 0)
            .ToArray();
        header = lines[0].Split(',');
        return lines.Skip(1).Select(l => l.Split(',')
            .Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToList();
    }
}
