using System.Net;

namespace Backprop.Api.Tests.Security;

/// <summary>Rate limits are counted per replica: with RateLimits:Replicas = N each admits its share, so N replicas
/// together stay within the limit.</summary>
public sealed class RateLimitShareTests
{
    [Fact]
    public async Task Submissions_OverThisReplicasShareOfTheLimit_Are429()
    {
        using var factory = new ApiFactory().With("RateLimits:JobSubmissionsPerWindow", "5").With("RateLimits:Replicas",
            "2")
            .With("RateLimits:Window", "00:01:00");
        var client = factory.CreateClient();
        var body = $$"""{"networkId": "{{Guid.NewGuid()}}", "datasetId": "{{Guid.NewGuid()}}"}""";

        // 5 per window over 2 replicas: this replica admits 2 (rounded down, so the two together admit at most 4).
        for (int i = 0; i < 2; i++) Assert.Equal(HttpStatusCode.NotFound, (await client.PostJsonAsync("/api/jobs",
            body)).StatusCode);

        await (await client.PostJsonAsync("/api/jobs", body)).ExpectProblemAsync(HttpStatusCode.TooManyRequests);
    }
}
