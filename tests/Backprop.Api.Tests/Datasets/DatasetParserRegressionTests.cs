using System.Net.Http.Headers;
using System.Text;
using Backprop.Api.Datasets;

namespace Backprop.Api.Tests.Datasets;

/// <summary>The uploads the property tests found: each once escaped the JSON reader as InvalidOperationException (a
/// 500), or was refused wrongly.</summary>
public sealed class DatasetParserRegressionTests
{
    private static Task<(JsonUploadHeader Header, DatasetTable Table)> ReadJsonAsync(byte[] body) =>
        JsonDatasetReader.ReadAsync(new MemoryStream(body), new DatasetOptions(), default);

    [Fact]
    public async Task JsonReader_InvalidUtf8InString_IsRefused()
    {
        // A cut three-byte sequence (0xEA 0xA5) inside a target string: GetString threw InvalidOperationException.
        byte[] body = [.. "{\"features\":[[1]],\"targets\":[\"a"u8, 0xEA, 0xA5, .. "\"]}"u8];
        var error = await Assert.ThrowsAsync<InvalidDatasetException>(() => ReadJsonAsync(body));
        Assert.Contains("not valid UTF-8", error.Message);
    }

    [Theory]
    // a high surrogate escape cut short, in a target
    [InlineData("{\"features\":[[1],[2]],\"targets\":[\"\\ud83d,\",\"b\"]}")]
    // a lone low surrogate in a column name
    [InlineData("{\"records\":[{\"x\\udc00\":1,\"y\":\"a\"}],\"targetColumn\":\"y\"}")]
    [InlineData("{\"name\":\"\\ud800\",\"features\":[[1]],\"targets\":[\"a\"]}")]
    // A later record's property name with a broken escape: the in-place name comparison threw (CsCheck seed
    // 8tCV6Qw4OpP5).
    [InlineData("{\"records\":[{\"x\":1,\"y\":\"a\"},{\"x\\ud800\":2,\"y\":\"b\"}],\"targetColumn\":\"y\"}")]
    public async Task JsonReader_LoneSurrogateEscape_IsRefused(string json)
    {
        var error = await Assert.ThrowsAsync<InvalidDatasetException>(() =>
            ReadJsonAsync(Encoding.UTF8.GetBytes(json)));
        Assert.Contains("surrogate", error.Message);
    }

    [Fact]
    // was "not a property of the first record" however it was named
    public async Task JsonReader_TargetNameWithSurroundingSpaces_IsFound()
    {
        var json =
            "{\"name\":\"r\",\"targetColumn\":\" y \",\"records\":[{\"x\":1,\" y \":\"a\"},{\"x\":2,\" y \":\"b\"}]}";
        var (_, table) = await ReadJsonAsync(Encoding.UTF8.GetBytes(json));
        Assert.Equal(" y ", table.TargetColumn);
        Assert.Equal(["a", "b"], table.Targets);
    }

    [Fact]
    public async Task UploadJson_InvalidUtf8_Returns400Not500()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var content = new ByteArrayContent([.. "{\"name\":\"u\",\"features\":[[1],[2]],\"targets\":[\"a"u8, 0xFF,
            .. "\",\"b\"]}"u8]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        await (await client.PostAsync("/api/datasets", content)).RefusedAsync("$", "not valid UTF-8");
        Assert.Equal(0, await client.DatasetCountAsync());
    }
}
