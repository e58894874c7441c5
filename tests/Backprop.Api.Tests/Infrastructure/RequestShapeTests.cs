using System.Net;

namespace Backprop.Api.Tests.Infrastructure;

/// <summary>Through Kestrel: an overlong target is 414 and oversized headers are 431, each with a problem body
/// (Kestrel's own have none).</summary>
public sealed class RequestShapeTests : IDisposable
{
    private readonly ApiFactory _factory = new();

    public RequestShapeTests()
    {
        _factory.UseKestrel(0);
        _factory.StartServer();
    }

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Request_WithATargetOver8KB_Returns414Problem()
    {
        var problem = await (await _factory.CreateClient().GetAsync("/api/networks?x=" + new string('a', 9000)))
            .ExpectProblemAsync(HttpStatusCode.RequestUriTooLong);
        Assert.Equal("URI too long", (string)problem["title"]!);
    }

    [Fact]
    public async Task Request_WithHeadersOver32KB_Returns431Problem()
    {
        var client = _factory.CreateClient();
        for (int i = 0; i < 5; i++) client.DefaultRequestHeaders.Add($"X-Padding-{i}", new string('h', 8000));
        var problem = await (await client.GetAsync("/api/networks"))
            .ExpectProblemAsync(HttpStatusCode.RequestHeaderFieldsTooLarge);
        Assert.Equal("Request header fields too large", (string)problem["title"]!);
    }
}
