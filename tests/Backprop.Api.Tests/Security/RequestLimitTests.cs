using System.Net;

namespace Backprop.Api.Tests.Security;

public sealed class RequestLimitTests
{
    [Fact]
    public async Task Request_JsonDeeperThanLimit_Returns400()
    {
        using var factory = new ApiFactory();
        var deep = new string('[', 40) + new string(']', 40);
        var response = await factory.CreateClient().PostJsonAsync("/api/models/import",
            $$"""{"name": "deep", "model": {{deep}} }""");
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("depth", (string)problem["detail"]!);
    }

    [Fact]
    public async Task Request_JsonWithinDepthLimit_IsRead()
    {
        using var factory = new ApiFactory();
        var nested = new string('[', 20) + new string(']', 20);
        var response = await factory.CreateClient().PostJsonAsync("/api/models/import",
            $$"""{"name": "nested", "model": {{nested}} }""");
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.DoesNotContain("depth", (string?)problem["detail"] ?? "");
        Assert.NotNull(problem["errors"]?["model"]); // read, then refused for not being a model object
    }
}
