using System.Net;

namespace Backprop.Api.Tests.Networks;

/// <summary>A network needs at least an output layer; an empty list is refused (a 400 problem; invalid in /validate),
/// not a 500 from the advice it would get.</summary>
public sealed class NetworkLayersTests : IDisposable
{
    private readonly ApiFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private const string NoLayers = """{"inputWidth": 4, "layers": [], "loss": "categorical_cross_entropy"}""";

    [Fact]
    public async Task Create_WithEmptyLayers_Returns400NamingLayers()
    {
        var problem = await (await _factory.CreateClient().PostJsonAsync("/api/networks", NoLayers))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?["layers"]);
    }

    [Fact]
    public async Task Validate_WithEmptyLayers_ReportsInvalidNamingLayers()
    {
        var outcome = await (await _factory.CreateClient().PostJsonAsync("/api/networks/validate", NoLayers))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.False((bool)outcome["valid"]!);
        Assert.Equal("layers", (string)outcome["problems"]![0]!["path"]!);
    }
}
