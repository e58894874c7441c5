using System.Net;
using System.Net.Http.Json;

namespace Backprop.Api.Tests.Security;

/// <summary>Per-tenant quotas (409 Conflict) and rate limits (429 with Retry-After), each tenant counted on its
/// own.</summary>
public sealed class TenantLimitTests
{
    [Theory]
    [InlineData("Tenancy:MaxQueuedJobs", "MaxQueuedJobs")]
    [InlineData("Tenancy:MaxConcurrentJobs", "MaxConcurrentJobs")]
    public async Task StartJob_OverTenantsJobLimit_Returns409(string setting, string named)
    {
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false").With(setting, "2");
        var a = factory.CreateClient();
        var b = await factory.CreateTenantClientAsync("tenant-b");
        var request = new { networkId = await a.CreateIrisNetworkAsync(), datasetId = await a.UploadIrisAsync() };
        await a.StartJobAsync(request);
        await a.StartJobAsync(request);
        var problem = await (await a.PostAsJsonAsync("/api/jobs", request)).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains(named, (string)problem["detail"]!);

        await b.StartJobAsync(new { networkId = await b.CreateIrisNetworkAsync(),
            datasetId = await b.UploadIrisAsync() });
        var queued = await (await a.GetAsync("/api/jobs")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, (int)queued["totalCount"]!);
    }

    [Fact]
    public async Task StartJob_ConcurrentSubmissionsOfTwoTenants_EachAdmitsExactlyItsQueueLimit()
    {
        // Submissions that arrive together are written together: each must still see the ones admitted before it.
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false").With("Tenancy:MaxQueuedJobs", "3");
        var a = factory.CreateClient();
        var b = await factory.CreateTenantClientAsync("tenant-b");
        var forA = new { networkId = await a.CreateIrisNetworkAsync(), datasetId = await a.UploadIrisAsync() };
        var forB = new { networkId = await b.CreateIrisNetworkAsync(), datasetId = await b.UploadIrisAsync() };

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => i % 2 == 0
            ? a.PostAsJsonAsync("/api/jobs", forA) : b.PostAsJsonAsync("/api/jobs", forB)));

        foreach (var client in new[] { a, b })
        {
            var mine = responses.Where((_, i) => (i % 2 == 0) == (client == a)).ToList();
            Assert.Equal(3, mine.Count(r => r.StatusCode == HttpStatusCode.Accepted));
            foreach (var refused in mine.Where(r => r.StatusCode != HttpStatusCode.Accepted))
                Assert.Contains("MaxQueuedJobs",
                    (string)(await refused.ExpectProblemAsync(HttpStatusCode.Conflict))["detail"]!);
            Assert.Equal(3, (int)(await (await client.GetAsync("/api/jobs")).ExpectAsync(HttpStatusCode.OK))
                ["totalCount"]!);
        }
    }

    [Fact]
    public async Task Upload_OverTenantsStoredBytes_Returns409()
    {
        using var factory = new ApiFactory().With("Tenancy:MaxDatasetBytes", "1000");
        var client = factory.CreateClient();
        await client.UploadCsvAsync("tiny", "x,y\n1,0\n2,1\n3,0\n", "y");
        var response = await client.PostAsync("/api/datasets?name=iris&targetColumn=label",
            new StringContent(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples", "iris", "train.csv")),
                System.Text.Encoding.UTF8, "text/csv"));
        var problem = await response.ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("MaxDatasetBytes", (string)problem["detail"]!);
        Assert.Equal(1, (int)(await (await client.GetAsync("/api/datasets")).ReadJsonAsync())["totalCount"]!);
        await (await factory.CreateTenantClientAsync("tenant-b")).UploadCsvAsync("tiny", "x,y\n1,0\n2,1\n3,0\n", "y");
    }

    [Fact]
    public async Task ImportOrStartJob_OverTenantsModelLimit_Returns409()
    {
        using var factory = new ApiFactory().With("Tenancy:MaxModels", "1");
        var client = factory.CreateClient();
        var request = new { networkId = await client.CreateIrisNetworkAsync(),
            datasetId = await client.UploadIrisAsync(), epochs = 2 };
        var job = await client.TrainAsync(request);
        var weights = await (await client.GetAsync($"/api/models/{job["modelId"]}/weights"))
            .Content.ReadAsStringAsync();

        var import = await client.PostJsonAsync("/api/models/import", $$"""{"name": "copy", "model": {{weights}} }""");
        Assert.Contains("MaxModels", (string)(await import.ExpectProblemAsync(HttpStatusCode.Conflict))["detail"]!);
        await (await client.PostAsJsonAsync("/api/jobs", request)).ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/models/{job["modelId"]}")).StatusCode);
        await (await client.PostJsonAsync("/api/models/import", $$"""{"name": "copy", "model": {{weights}} }"""))
            .ExpectAsync(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("RateLimits:PredictionsPerWindow", "POST", "/api/models/{0}/predict", """{"rows": [[1, 2, 3, 4]]}""")]
    [InlineData("RateLimits:JobSubmissionsPerWindow", "POST", "/api/jobs",
        """{"networkId": "{0}", "datasetId": "{0}"}""")]
    public async Task Request_OverTenantsRateLimit_Returns429WithRetryAfter(string setting, string method, string path,
        string body)
    {
        using var factory = new ApiFactory().With(setting, "2").With("RateLimits:Window", "00:01:00");
        var a = factory.CreateClient();
        var b = await factory.CreateTenantClientAsync("tenant-b");
        HttpRequestMessage Request() => new(new HttpMethod(method), path.Replace("{0}", Guid.NewGuid().ToString()))
        {
            Content = new StringContent(body.Replace("{0}", Guid.NewGuid().ToString()), System.Text.Encoding.UTF8,
                "application/json"),
        };
        for (int i = 0; i < 2; i++) Assert.Equal(HttpStatusCode.NotFound, (await a.SendAsync(Request())).StatusCode);

        var limited = await a.SendAsync(Request());
        var problem = await limited.ExpectProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("retry after", (string)problem["detail"]!);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);

        // another tenant has its own window
        Assert.Equal(HttpStatusCode.NotFound, (await b.SendAsync(Request())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync("/api/jobs")).StatusCode); // other endpoints are not limited
    }
}
