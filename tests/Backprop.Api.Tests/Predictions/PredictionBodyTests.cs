using System.Net;
using System.Text;
using static Backprop.Api.Tests.Inference.InferenceSetup;

namespace Backprop.Api.Tests.Predictions;

/// <summary>/predict reads its body itself (one synchronous parse): bodies that are not a prediction request are
/// answered as problems, and a body in several pieces reads as one.</summary>
public sealed class PredictionBodyTests : IDisposable
{
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Predict_NotJsonContentType_Returns415()
    {
        var model = await ImportClassifierAsync(Client);
        await (await Client.PostAsync($"/api/models/{model}/predict",
            new StringContent("""{"rows": [[1, 2, 3, 4]]}""", Encoding.UTF8, "text/plain")))
            .ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("", "no body")]
    [InlineData("null", "null")]
    [InlineData("""{"rows": [[1, 2, 3, 4]]""", "Malformed JSON")]
    [InlineData("""{"rows": [[1, 2, 3, 4]], "row": 1}""", "Unknown property 'row'")]
    public async Task Predict_BodyThatIsNotARequest_Returns400(string body, string expected)
    {
        var model = await ImportClassifierAsync(Client);
        var problem = await (await Client.PostJsonAsync($"/api/models/{model}/predict", body))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(expected, ApiClient.Text(problem));
    }

    [Fact]
    public async Task Predict_BodySentInSeveralChunks_EqualsOneChunk()
    {
        var model = await ImportClassifierAsync(Client);
        var rows = string.Join(", ", Rows(300, 4).Select(r => "[" + string.Join(", ", r.Select(Json)) + "]"));
        var body = Encoding.UTF8.GetBytes($$"""{"rows": [{{rows}}]}""");

        var whole = await (await Client.PostJsonAsync($"/api/models/{model}/predict", Encoding.UTF8.GetString(body)))
            .ExpectAsync(HttpStatusCode.OK);
        var chunked = new StreamContent(new ChunkedStream(body, 7));
        chunked.Headers.ContentType = new("application/json");
        var pieces = await (await Client.PostAsync($"/api/models/{model}/predict", chunked))
            .ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(300, whole["predictions"]!.AsArray().Count);
        Assert.Equal(whole.ToJsonString(), pieces.ToJsonString());
    }

    /// <summary>Hands out at most <c>size</c> bytes per read, with no length known up front.</summary>
    private sealed class ChunkedStream(byte[] data, int size) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count,
            size));
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, size)], ct);
    }
}
