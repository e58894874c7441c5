using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Options;

namespace Backprop.Client;

/// <summary>
/// Typed calls to the Backprop service: define a network, upload a dataset, train, wait, read the history, predict. Get
/// it from dependency injection after <see cref="BackpropClientServiceCollectionExtensions.AddBackpropClient"/>. An
/// error answer throws <see cref="BackpropApiException"/> with the service's problem document.
/// </summary>
public sealed class BackpropClient(HttpClient http, IOptions<BackpropClientOptions> options)
{
    /// <summary>Stores a network configuration (<c>POST /api/networks</c>).</summary>
    public Task<Network> CreateNetworkAsync(NetworkDefinition definition, CancellationToken ct = default) =>
        PostJsonAsync<Network>("api/networks", definition, ct);

    /// <summary>Uploads a CSV file with a header row (<c>POST /api/datasets</c>, <c>text/csv</c>).</summary>
    /// <param name="name">The dataset's name.</param>
    /// <param name="csv">The file; read to its end (buffered first when it cannot seek, so a retry can send it
    /// again).</param>
    /// <param name="targetColumn">The column to predict.</param>
    /// <param name="task">Inferred from the target column when null.</param>
    public async Task<Dataset> UploadCsvAsync(string name, Stream csv, string targetColumn, TaskKind? task = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(csv);
        if (!csv.CanSeek)
        {
            var buffered = new MemoryStream();
            await csv.CopyToAsync(buffered, ct);
            buffered.Position = 0;
            csv = buffered;
        }
        var url = $"api/datasets?name={Uri.EscapeDataString(name)}&targetColumn={Uri.EscapeDataString(targetColumn)}";
        if (task is { } t) url += "&task=" + (t == TaskKind.Classification ? "classification" : "regression");
        using var content = new StreamContent(csv);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        return await SendAsync<Dataset>(request, ct);
    }

    /// <summary>Uploads CSV text with a header row.</summary>
    public Task<Dataset> UploadCsvAsync(string name, string csv, string targetColumn, TaskKind? task = null,
        CancellationToken ct = default) =>
        UploadCsvAsync(name, new MemoryStream(Encoding.UTF8.GetBytes(csv)), targetColumn, task, ct);

    /// <summary>
    /// Uploads rows as JSON: records keyed by column name, or features and targets (<c>POST /api/datasets</c>).
    /// </summary>
    public Task<Dataset> UploadJsonAsync(JsonDatasetUpload upload, CancellationToken ct = default) =>
        PostJsonAsync<Dataset>("api/datasets", upload, ct);

    /// <summary>Queues a training job (<c>POST /api/jobs</c>); it runs in the background.</summary>
    public Task<TrainingJob> StartJobAsync(TrainingRequest request, CancellationToken ct = default) =>
        PostJsonAsync<TrainingJob>("api/jobs", request, ct);

    /// <summary>A job's status, progress and, once it succeeded, its model id.</summary>
    public Task<TrainingJob> GetJobAsync(Guid jobId, CancellationToken ct = default) =>
        GetAsync<TrainingJob>($"api/jobs/{jobId}", ct);

    /// <summary>
    /// Reads the job every <see cref="BackpropClientOptions.PollInterval"/> until it succeeded, failed or was
    /// cancelled, and returns it then. Cancelling <paramref name="ct"/> stops the waiting, not the job.
    /// </summary>
    public async Task<TrainingJob> WaitForJobAsync(Guid jobId, CancellationToken ct = default)
    {
        while (true)
        {
            var job = await GetJobAsync(jobId, ct);
            if (job.IsFinished) return job;
            await Task.Delay(options.Value.PollInterval, ct);
        }
    }

    /// <summary>
    /// Starts a job and waits for it to finish; the job says whether it succeeded and which model it made.
    /// </summary>
    public async Task<TrainingJob> TrainAsync(TrainingRequest request, CancellationToken ct = default) =>
        await WaitForJobAsync((await StartJobAsync(request, ct)).Id, ct);

    /// <summary>Every epoch of a job's history so far, in order (all its pages).</summary>
    public async Task<IReadOnlyList<EpochReport>> GetHistoryAsync(Guid jobId, CancellationToken ct = default)
    {
        var epochs = new List<EpochReport>();
        string? url = $"api/jobs/{jobId}/history";
        while (url is not null)
        {
            var page = await GetAsync<HistoryPage>(url, ct);
            epochs.AddRange(page.Epochs);
            url = page.Next?.TrimStart('/'); // relative to the base address, so a gateway's path prefix is kept
        }
        return epochs;
    }

    /// <summary>Predicts rows of feature values in the dataset's column order, in raw units.</summary>
    public Task<PredictionResult> PredictAsync(Guid modelId, IEnumerable<double[]> rows,
        CancellationToken ct = default) =>
        PostJsonAsync<PredictionResult>($"api/models/{modelId}/predict", new PredictionBody(Rows: rows), ct);

    /// <summary>
    /// Predicts records keyed by column name, in raw units (strings for categories, numbers, booleans).
    /// </summary>
    public Task<PredictionResult> PredictRecordsAsync(Guid modelId,
        IEnumerable<IReadOnlyDictionary<string, object?>> records, CancellationToken ct = default) =>
        PostJsonAsync<PredictionResult>($"api/models/{modelId}/predict", new PredictionBody(Records: records), ct);

    private async Task<T> GetAsync<T>(string url, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        return await SendAsync<T>(request, ct);
    }

    private async Task<T> PostJsonAsync<T>(string url, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = JsonContent.Create(body, body.GetType(), options: ClientJson.Options),
        };
        return await SendAsync<T>(request, ct);
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken ct)
    {
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, ct);
        return await response.Content.ReadFromJsonAsync<T>(ClientJson.Options, ct)
            ?? throw new InvalidDataException(
                $"The service answered {request.Method} {request.RequestUri} with an empty body.");
    }

    /// <summary>
    /// The answer's problem document; an answer without one (a proxy's error page) becomes a problem of its own.
    /// </summary>
    private static async Task<BackpropApiException> ErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync(ct);
        Problem? problem = null;
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        if (mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            try { problem = System.Text.Json.JsonSerializer.Deserialize<Problem>(text, ClientJson.Options); }
            catch (System.Text.Json.JsonException) { }
        }
        problem ??= new Problem(null, response.ReasonPhrase, status,
            text.Length > 0 ? text[..Math.Min(text.Length, 500)] : null, null);
        return new BackpropApiException(response.StatusCode,
            problem.Status is null ? problem with { Status = status } : problem);
    }
}
