using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CsCheck;

namespace Backprop.Api.Tests.Datasets;

/// <summary>
/// Garbled uploads through the whole service: every answer is 201 or a 4xx problem, never a 5xx, and exactly the 201s
/// are stored. One app per property (starting one per case would dominate the run); cases run one at a time so the
/// count is exact.
/// </summary>
public sealed class DatasetHttpPropertyTests
{
    private const int Iterations = 30;

    [Fact]
    public async Task UploadCsv_Garbled_IsCreatedOrRefusedAndOnlyCreatedIsStored()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        int created = 0;
        await Gen.Select(DatasetGenerators.Table, ByteEdit.Gen(ByteEdit.CsvTokens).Array[0, 3])
            .SampleAsync(async (t, edits) =>
        {
            var body = new ByteArrayContent(edits.Aggregate(DatasetGenerators.Csv(t), (data, edit) =>
                edit.Apply(data)));
            body.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            var target = Uri.EscapeDataString(t.TargetName.Replace("\r\n", "\n").Replace('\r', '\n').Trim());
            if (await CreatedOrRefusedAsync(await client.PostAsync($"/api/datasets?name=p&targetColumn={target}",
                body))) created++;
        }, iter: Iterations, threads: 1);
        Assert.Equal(created, await client.DatasetCountAsync());
    }

    [Fact]
    public async Task UploadJson_Garbled_IsCreatedOrRefusedAndOnlyCreatedIsStored()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        int created = 0;
        await Gen.Select(DatasetGenerators.Table, Gen.Bool, ByteEdit.Gen(ByteEdit.JsonTokens).Array[0, 3])
            .SampleAsync(async (t, records, edits) =>
        {
            var body = new ByteArrayContent(edits.Aggregate(DatasetGenerators.Json(t, records, relaxed: true),
                (data, edit) => edit.Apply(data)));
            body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (await CreatedOrRefusedAsync(await client.PostAsync("/api/datasets", body))) created++;
        }, iter: Iterations, threads: 1);
        Assert.Equal(created, await client.DatasetCountAsync());
    }

    [Fact]
    public async Task Import_GarbledModel_IsCreatedOrRefused()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var model = ModelSerializer.ToJson(new TrainedModel(
            new NetworkSpec(2, [new LayerSpec(3, ActivationKind.Tanh), new LayerSpec(2, ActivationKind.Softmax)],
                LossKind.CategoricalCrossEntropy),
            [.. Enumerable.Range(0, 17).Select(i => i / 10f)], TaskKind.Classification, Normalizer.Identity(2), null,
                ["a", "b"], ["no", "yes"], null));
        var body = Encoding.UTF8.GetBytes($"{{\"name\":\"imported\",\"model\":{model}}}");
        await ByteEdit.Gen(ByteEdit.JsonTokens).Array[0, 3].SampleAsync(async edits =>
        {
            var garbled = edits.Aggregate(body, (data, edit) => edit.Apply(data));
            var content = new ByteArrayContent(garbled);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            await CreatedOrRefusedAsync(await client.PostAsync("/api/models/import", content));
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public async Task Import_InvalidUtf8InModel_Returns400()
    {
        using var factory = new ApiFactory();
        var content = new ByteArrayContent([.. "{\"name\":\"m\",\"model\":{\"format\":\"a"u8, 0xB0, .. "\"}}"u8]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var response = await factory.CreateClient().PostAsync("/api/models/import", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>True for 201; otherwise asserts a 4xx answered as application/problem+json.</summary>
    private static async Task<bool> CreatedOrRefusedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.Created) return true;
        Assert.True((int)response.StatusCode is >= 400 and < 500,
            $"Expected 201 or 4xx, got {(int)response.StatusCode}: {body}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"Expected a problem+json body with {(int)response.StatusCode}, " +
            $"got {response.Content.Headers.ContentType}: {body}");
        return false;
    }
}
