using System.Net;

namespace Backprop.Api.Tests.Telemetry;

/// <summary>
/// GET /metrics: Prometheus text for the admin key when Telemetry:PrometheusEnabled, unknown otherwise.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class PrometheusEndpointTests
{
    [Fact]
    public async Task Metrics_WhenEnabled_AnswersPrometheusTextToTheAdminKey()
    {
        using var factory = new ApiFactory().With("Telemetry:PrometheusEnabled", "true");
        var client = factory.CreateClient();
        await client.TrainAsync(await JobMetricsTests.IrisJobAsync(client, epochs: 3));

        var response = await factory.CreateAdminClient().GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE backprop_jobs_queued gauge", text);
        Assert.Contains("# TYPE backprop_training_epoch_duration_seconds histogram", text);
        Assert.Contains("backprop_jobs_finished_total{", text);
        var finished = text.Split('\n')
            .Single(l => l.StartsWith("backprop_jobs_finished_total{", StringComparison.Ordinal));
        Assert.Contains("status=\"succeeded\"", finished);
        Assert.Contains("stop_reason=\"completed\"", finished);
        // value [timestamp]
        Assert.Equal("1", finished[(finished.IndexOf("} ", StringComparison.Ordinal) + 2)..].Split(' ')[0]);
    }

    [Fact]
    public async Task Metrics_WhenEnabled_RefusesCallersWithoutTheAdminKey()
    {
        using var factory = new ApiFactory().With("Telemetry:PrometheusEnabled", "true");
        var anonymous = await factory.CreateAnonymousClient().GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        // a tenant key
        Assert.Equal(HttpStatusCode.Forbidden, (await factory.CreateClient().GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Metrics_ByDefault_Returns404()
    {
        using var factory = new ApiFactory();
        // Like any unknown path: a tenant's key gets 404 (the admin key, which holds no tenant, is refused before
        // routing).
        await (await factory.CreateClient().GetAsync("/metrics")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
