using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Backprop.Api.Tests.Infrastructure;

/// <summary>Uploads and imports with an Idempotency-Key: a retry answers what the first request stored, and stores
/// nothing twice.</summary>
public sealed class IdempotencyKeyTests : IDisposable
{
    private const string Csv = "x1,x2,label\n0,1,a\n1,0,b\n0.5,0.5,a\n1,1,b\n";
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    /// <summary>A multipart upload: each call gets a new random boundary, as a client's retry would.</summary>
    private Task<HttpResponseMessage> UploadAsync(string key, string csv = Csv, HttpClient? client = null)
    {
        var form = new MultipartFormDataContent { { new StringContent("pairs"), "name" }, { new StringContent("label"),
            "targetColumn" } };
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "pairs.csv");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/datasets") { Content = form };
        request.Headers.Add("Idempotency-Key", key);
        return (client ?? Client).SendAsync(request);
    }

    private Task<HttpResponseMessage> ImportAsync(string key, string weight = "0.5")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/models/import")
        {
            Content = new StringContent($$"""
                {"name": "pair model", "model": {"format": "backprop-model", "version": 1, "task": "classification",
                 "spec": {"inputWidth": 2, "loss": "categorical_cross_entropy", "layers": [{"units": 2,
                     "activation": "softmax"}]},
                 "layers": [{"weights": [[{{weight}}, 0.25], [-0.25, {{weight}}]], "biases": [0, 0]}],
                     "classNames": ["no", "yes"]} }
                """, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        return Client.SendAsync(request);
    }

    private async Task<int> CountAsync(string resource, HttpClient? client = null) =>
        (int)(await (await (client ?? Client).GetAsync($"/api/{resource}"))
            .ExpectAsync(HttpStatusCode.OK))["totalCount"]!;

    [Fact]
    public async Task Upload_RetriedWithTheSameKey_AnswersTheFirstDatasetAndStoresOne()
    {
        var first = await UploadAsync("upload-1");
        var created = await first.ExpectAsync(HttpStatusCode.Created);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));

        var retry = await UploadAsync("upload-1");
        var replayed = await retry.ExpectAsync(HttpStatusCode.Created);

        Assert.Equal((string)created["id"]!, (string)replayed["id"]!);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(1, await CountAsync("datasets"));
    }

    [Fact]
    public async Task Upload_SameKeyWithOtherContent_Returns422AndStoresNothingMore()
    {
        var created = await (await UploadAsync("upload-2")).ExpectAsync(HttpStatusCode.Created);

        var problem = await (await UploadAsync("upload-2", Csv + "0.25,0.75,a\n"))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Contains("upload-2", (string)problem["detail"]!);
        Assert.Contains($"/api/datasets/{created["id"]}", (string)problem["detail"]!);
        Assert.Equal(1, await CountAsync("datasets"));
    }

    [Fact]
    public async Task Upload_ConcurrentRequestsWithOneKey_AllAnswerOneDataset()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => UploadAsync("upload-3")));

        var ids = new HashSet<string>();
        foreach (var response in responses)
            ids.Add((string)(await response.ExpectAsync(HttpStatusCode.Created))["id"]!);
        Assert.Single(ids);
        Assert.Equal(1, await CountAsync("datasets"));
    }

    [Fact]
    public async Task Upload_KeyOfADeletedDataset_StoresANewDataset()
    {
        var first = (string)(await (await UploadAsync("upload-4")).ExpectAsync(HttpStatusCode.Created))["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/datasets/{first}")).StatusCode);

        var again = await UploadAsync("upload-4");

        Assert.NotEqual(first, (string)(await again.ExpectAsync(HttpStatusCode.Created))["id"]!);
        Assert.False(again.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, await CountAsync("datasets"));
    }

    [Fact]
    public async Task Upload_OneKeyFromTwoTenants_StoresOneDatasetEach()
    {
        var other = await _factory.CreateTenantClientAsync("tenant-b");

        var mine = (string)(await (await UploadAsync("shared-key")).ExpectAsync(HttpStatusCode.Created))["id"]!;
        var theirs = await UploadAsync("shared-key", client: other);

        Assert.NotEqual(mine, (string)(await theirs.ExpectAsync(HttpStatusCode.Created))["id"]!);
        Assert.False(theirs.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, await CountAsync("datasets", other));
    }

    [Theory]
    [InlineData("with space")]
    [InlineData("é-not-ascii")]
    public async Task Upload_MalformedKey_Returns400NamingTheHeader(string key)
    {
        var form = new MultipartFormDataContent { { new StringContent("pairs"), "name" }, { new StringContent("label"),
            "targetColumn" } };
        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(Csv)), "file", "pairs.csv");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/datasets") { Content = form };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        var problem = await (await Client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("Idempotency-Key", (string)problem["detail"]!);
        Assert.Equal(0, await CountAsync("datasets"));
    }

    [Fact]
    public async Task Upload_KeyLongerThan255Characters_Returns400()
    {
        var problem = await (await UploadAsync(new string('k', 256))).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("255", (string)problem["detail"]!);
    }

    [Fact]
    public async Task Import_RetriedWithTheSameKey_AnswersTheFirstModelAndStoresOne()
    {
        var created = await (await ImportAsync("import-1")).ExpectAsync(HttpStatusCode.Created);

        var retry = await ImportAsync("import-1");

        Assert.Equal((string)created["id"]!, (string)(await retry.ExpectAsync(HttpStatusCode.Created))["id"]!);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(1, await CountAsync("models"));
    }

    [Fact]
    public async Task Import_SameKeyWithOtherWeights_Returns422()
    {
        await (await ImportAsync("import-2")).ExpectAsync(HttpStatusCode.Created);

        var problem = await (await ImportAsync("import-2", weight: "0.75"))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Contains("import-2", (string)problem["detail"]!);
        Assert.Equal(1, await CountAsync("models"));
    }
}
