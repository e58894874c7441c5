using System.Net;
using System.Text;
using System.Text.Json;
using Backprop.Api.Predictions;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Backprop.Api.Tests.Inference.InferenceSetup;

namespace Backprop.Api.Tests.Predictions;

/// <summary>/predict writes its response and reads plain rows itself: the bytes and the values are the serializer's,
/// and every body the fast reader does not take still gets the serializer's answer.</summary>
public sealed class PredictionJsonTests : IDisposable
{
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    public static TheoryData<string> Responses() => ["classification", "regression", "escaped", "empty"];

    [Theory]
    [MemberData(nameof(Responses))]
    public void Write_Response_SameBytesAsSerializer(string kind)
    {
        var options = _factory.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var id = Guid.Parse("01a24b17-f710-7a26-9388-c3049517e095");
        string[] classes = kind == "escaped" ? ["<b>", "Ünïcode \"q\"", "a&b\u2028"] : ["setosa", "versicolor",
            "virginica"];
        float[] p = [0.1f, 0.30000001f, float.NaN, 1e-8f, 0.9999987f, 0];
        PredictionResponse response = kind switch
        {
            "regression" => new(id, TaskKind.Regression, ["y", "z"], [
                new(null, null, null, [1.5f, null]), new(null, null, null, [-3.4028235e38f, 0.1f], ["warned"])]),
            "empty" => new(id, TaskKind.Classification, null, []),
            _ => new(id, TaskKind.Classification, null, [
                new(classes[1], 1, new ProbabilityDictionary(classes, p, 0, 3), null),
                new(classes[2], 2, new ProbabilityDictionary(classes, p, 3, 3), null, ["one", classes[0]])]),
        };
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, PredictionResult.WriterOptions(options)))
            PredictionJson.Write(writer, response);

        Assert.Equal(JsonSerializer.Serialize(response, options), Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public async Task Predict_PlainRows_SameResponseAsSerializerPath()
    {
        var model = await ImportClassifierAsync(Client);
        // Numbers the fast reader takes and numbers it leaves to the serializer's reader (17 digits, big exponents).
        string[] rows = ["[5.1, 3.5, 1.4, 0.2]", "[-0, 1E-3, 1e2, 0.30000000000000004]",
            "[12345678901234567, 1.5e-30, 3.4e38, -7.25]", "[6.7,3.0,5.2,2.3]"];
        var fast = await Predict(model, $$"""{"rows": [{{string.Join(", ", rows)}}]}""");
        // "Rows" binds case-insensitively, but only the serializer reads it.
        var slow = await Predict(model, $$"""{"Rows": [{{string.Join(", ", rows)}}]}""");

        Assert.Equal(slow, fast);
        Assert.Equal(4, JsonDocument.Parse(fast).RootElement.GetProperty("predictions").GetArrayLength());
    }

    [Fact]
    public async Task Predict_RowsWithJsonWhitespace_SameResponseAsCompact()
    {
        var model = await ImportClassifierAsync(Client);
        var compact = await Predict(model, """{"rows":[[5.1,3.5,1.4,0.2],[6,3,5,2]]}""");
        var spaced = await Predict(model, "\r\n{ \"rows\" :\t[ [ 5.1 ,3.5,\n1.4 , 0.2 ] ,[6,3,5,2]\n] }\n");
        Assert.Equal(compact, spaced);
    }

    [Theory]
    [InlineData("""{"rows": [[01, 2, 3, 4]]}""")]
    [InlineData("""{"rows": [[1., 2, 3, 4]]}""")]
    [InlineData("""{"rows": [[1, 2, 3, 4,]]}""")]
    [InlineData("""{"rows": [[1, 2, 3, -]]}""")]
    [InlineData("""{"rows": [[1, 2, 3, 4e]]}""")]
    [InlineData("""{"rows": [[1, 2, 3, +4]]}""")]
    [InlineData("""{"rows": [[1, 2, 3, 4]]} x""")]
    [InlineData("""{"rows": [[1, 2, 3, 4]], "rows": [[1, 2, 3, 4]]}""")]
    public async Task Predict_MalformedRows_Returns400(string body)
    {
        var model = await ImportClassifierAsync(Client);
        await (await Client.PostJsonAsync($"/api/models/{model}/predict", body))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("""{"rows": [[1, 2, 3]]}""", "rows[0]", "got 3")]
    [InlineData("""{"rows": [[1, 2, 3, 1e39]]}""", "rows[0][3]", "finite number")]
    [InlineData("""{"rows": [[1, 2, 3, 4], [1, 2]]}""", "rows[1]", "got 2")]
    public async Task Predict_RowsTheModelCannotTake_Returns400NamingTheRow(string body, string path, string message)
    {
        var model = await ImportClassifierAsync(Client);
        var problem = await (await Client.PostJsonAsync($"/api/models/{model}/predict", body))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(message, string.Join(" ", problem["errors"]![path]!.AsArray().Select(m => (string)m!)));
    }

    private async Task<string> Predict(Guid model, string body)
    {
        var response = await Client.PostJsonAsync($"/api/models/{model}/predict", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(Encoding.UTF8.GetByteCount(text), response.Content.Headers.ContentLength);
        return text;
    }
}
