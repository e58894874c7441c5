using System.Net;
using System.Net.Http.Json;
using static Backprop.Api.Tests.Inference.InferenceSetup;

namespace Backprop.Api.Tests.Models;

/// <summary>PUT and DELETE /api/models/{id}/serving-name: the tenant-unique name inference serves a model by.</summary>
public sealed class ServingNameTests : IDisposable
{
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    private static Task<HttpResponseMessage> SetAsync(HttpClient client, Guid model, string? name) =>
        client.PutAsJsonAsync($"/api/models/{model}/serving-name", new { servingName = name });

    [Fact]
    public async Task SetServingName_ValidName_IsShownOnTheModelUntilCleared()
    {
        var model = await ImportClassifierAsync(Client);

        var set = await (await SetAsync(Client, model, "iris-prod.v2_a")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("iris-prod.v2_a", (string)set["servingName"]!);
        var got = await (await Client.GetAsync($"/api/models/{model}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("iris-prod.v2_a", (string)got["servingName"]!);
        Assert.Equal("v2 test", (string)got["name"]!);

        await (await Client.DeleteAsync($"/api/models/{model}/serving-name")).ExpectAsync(HttpStatusCode.NoContent);
        got = await (await Client.GetAsync($"/api/models/{model}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Null(got["servingName"]);
    }

    [Fact]
    public async Task SetServingName_HeldByAnotherModelOfTheTenant_Returns409AndKeepsBoth()
    {
        var first = await ImportClassifierAsync(Client);
        var second = await ImportRegressionAsync(Client);
        await (await SetAsync(Client, first, "prod")).ExpectAsync(HttpStatusCode.OK);

        var problem = await (await SetAsync(Client, second, "prod")).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("'prod'", (string)problem["detail"]!);

        Assert.Equal("prod", (string)(await (await Client.GetAsync($"/api/models/{first}"))
            .ExpectAsync(HttpStatusCode.OK))["servingName"]!);
        Assert.Null((await (await Client.GetAsync($"/api/models/{second}"))
            .ExpectAsync(HttpStatusCode.OK))["servingName"]);
        // The same model may be given its own name again; once cleared, the name is free for the other.
        await (await SetAsync(Client, first, "prod")).ExpectAsync(HttpStatusCode.OK);
        await (await Client.DeleteAsync($"/api/models/{first}/serving-name")).ExpectAsync(HttpStatusCode.NoContent);
        await (await SetAsync(Client, second, "prod")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task SetServingName_NameHeldByAnotherTenant_Succeeds()
    {
        var other = await _factory.CreateTenantClientAsync("other");
        var theirs = await ImportClassifierAsync(other);
        var ours = await ImportClassifierAsync(Client);

        await (await SetAsync(other, theirs, "shared-name")).ExpectAsync(HttpStatusCode.OK);
        await (await SetAsync(Client, ours, "shared-name")).ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Iris")]
    [InlineData("-iris")]
    [InlineData("iris prod")]
    [InlineData("iris/prod")]
    [InlineData("01234567-89ab-cdef-0123-456789abcdef")]
    [InlineData("a12345678901234567890123456789012345678901234567890123456789012345")]
    public async Task SetServingName_BadName_Returns400OnServingName(string? name)
    {
        var model = await ImportClassifierAsync(Client);

        var problem = await (await SetAsync(Client, model, name)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.NotNull(problem["errors"]!["servingName"]);
        Assert.Null((await (await Client.GetAsync($"/api/models/{model}"))
            .ExpectAsync(HttpStatusCode.OK))["servingName"]);
    }

    [Fact]
    public async Task SetServingName_UnknownOrForeignModel_Returns404()
    {
        var model = await ImportClassifierAsync(Client);
        var other = await _factory.CreateTenantClientAsync("other");

        Assert.Equal(HttpStatusCode.NotFound, (await SetAsync(Client, Guid.NewGuid(), "x")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SetAsync(other, model, "x")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/models/{model}/serving-name"))
            .StatusCode);
    }
}
