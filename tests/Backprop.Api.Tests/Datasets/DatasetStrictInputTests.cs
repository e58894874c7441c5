using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Backprop.Api.Tests.Datasets;

/// <summary>Bytes that are not text and labels that are not held are refused with their place, not stored
/// silently.</summary>
public sealed class DatasetStrictInputTests : IDisposable
{
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task UploadCsv_WithBytesThatAreNotUtf8_Returns400WithLineAndColumn()
    {
        var bytes = Encoding.UTF8.GetBytes("a,b,label\n1,2,x\n3,4,").Concat(new byte[] { 0xC3, 0x28 })
            .Concat(Encoding.UTF8.GetBytes("\n5,6,x\n")).ToArray();
        var problem = await (await PostCsvAsync(bytes)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("Line 3, column 3: bytes that are not valid UTF-8", ApiClient.Text(problem));
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task UploadCsv_WithAControlCharacterInANumber_Returns400WithLineAndColumn()
    {
        var problem = await (await PostCsvAsync(Encoding.UTF8.GetBytes("a,b,label\n1,2,x\n3,\"2\0\",y\n")))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("Line 3, column 2: control character U+0000", ApiClient.Text(problem));
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task UploadJson_DeclaringAClassNoRowHolds_Returns400()
    {
        var body =
            """{"name": "d", "classNames": ["a", "b", "c"], "features": [[1], [2], [3]], "targets": ["a", "b", "a"]}""";
        var problem = await (await Client.PostJsonAsync("/api/datasets", body))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("classNames declares 'c' but no row has that label", ApiClient.Text(problem));
        await AssertNothingStoredAsync();
    }

    private Task<HttpResponseMessage> PostCsvAsync(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return Client.PostAsync("/api/datasets?name=d&targetColumn=label", content);
    }

    private async Task AssertNothingStoredAsync() =>
        Assert.Equal(0, (int)(await (await Client.GetAsync("/api/datasets"))
            .ExpectAsync(HttpStatusCode.OK))["totalCount"]!);
}
