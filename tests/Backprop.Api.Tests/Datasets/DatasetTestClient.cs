using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Backprop.Api.Tests.Datasets;

/// <summary>Uploads and problem checks shared by the dataset tests.</summary>
internal static class DatasetTestClient
{
    public static string IrisPath => Path.Combine(AppContext.BaseDirectory, "samples", "iris", "train.csv");
    public static string IrisCsv => File.ReadAllText(IrisPath);

    public static Task<HttpResponseMessage> PostCsvAsync(this HttpClient client, string csv,
        string query = "name=iris&targetColumn=label") =>
        client.PostAsync($"/api/datasets?{query}", new StringContent(csv, Encoding.UTF8, "text/csv"));

    /// <summary>Fields are sent in the order given, before the file unless <paramref name="fileFirst"/>.</summary>
    public static Task<HttpResponseMessage> PostMultipartAsync(this HttpClient client, string csv,
        bool fileFirst = false, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        if (fileFirst) form.Add(file, "file", "iris.csv");
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        if (!fileFirst) form.Add(file, "file", "iris.csv");
        return client.PostAsync("/api/datasets", form);
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string json) =>
        client.PostAsync("/api/datasets", new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public static async Task<JsonElement> CreatedAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created,
            $"Expected 201, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with this status and returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>A 400 whose detail and the messages under <paramref name="errorKey"/> both contain <paramref
    /// name="text"/>.</summary>
    public static async Task<JsonElement> RefusedAsync(this HttpResponseMessage response, string errorKey, string text)
    {
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(text, problem.GetProperty("detail").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(errorKey, out var messages),
            $"No errors['{errorKey}'] in {problem}");
        Assert.Contains(messages.EnumerateArray(), m => m.GetString()!.Contains(text, StringComparison.Ordinal));
        return problem;
    }

    public static async Task<int> DatasetCountAsync(this HttpClient client) =>
        (await (await client.GetAsync("/api/datasets")).JsonAsync()).GetProperty("totalCount").GetInt32();

    /// <summary>The iris training file as columns of doubles and labels.</summary>
    public static (double[][] Columns, string[] Labels) ReadIris()
    {
        var lines = File.ReadAllLines(IrisPath).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();
        var columns = Enumerable.Range(0, 4)
            .Select(c => lines.Select(l => (double)float.Parse(l[c], CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
        return (columns, lines.Select(l => l[4]).ToArray());
    }
}
