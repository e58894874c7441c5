using System.Net;

namespace Backprop.Api.Tests.Datasets;

public sealed class DatasetQueryTests
{
    private static async Task<Guid> UploadAsync(HttpClient client, string name) =>
        (await (await client.PostCsvAsync(DatasetTestClient.IrisCsv, $"name={name}&targetColumn=label")).CreatedAsync())
            .GetProperty("id").GetGuid();

    [Fact]
    public async Task List_Datasets_IsPagedNewestFirstWithoutProfiles()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        foreach (var name in new[] { "first", "second", "third" }) await UploadAsync(client, name);

        var page1 = await (await client.GetAsync("/api/datasets?page=1&pageSize=2")).JsonAsync();
        var page2 = await (await client.GetAsync("/api/datasets?page=2&pageSize=2")).JsonAsync();

        Assert.Equal(3, page1.GetProperty("totalCount").GetInt32());
        Assert.Equal(2, page1.GetProperty("pageSize").GetInt32());
        Assert.Equal(["third", "second"], page1.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name")
            .GetString()));
        Assert.Equal(["first"], page2.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name")
            .GetString()));
        var item = page1.GetProperty("items")[0];
        Assert.Equal(120, item.GetProperty("rowCount").GetInt32());
        Assert.False(item.TryGetProperty("columns", out _));
    }

    [Fact]
    public async Task List_PageSizeOverLimit_Returns400()
    {
        using var factory = new ApiFactory();
        var problem = await (await factory.CreateClient().GetAsync("/api/datasets?pageSize=100000"))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("pageSize", out _));
    }

    [Fact]
    public async Task Get_UnknownDataset_Returns404()
    {
        using var factory = new ApiFactory();
        var id = Guid.NewGuid();
        var problem = await (await factory.CreateClient().GetAsync($"/api/datasets/{id}"))
            .ProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains(id.ToString(), problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Rows_WithOffsetAndLimit_ReturnsThatWindowOfRawRows()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var id = await UploadAsync(client, "iris");
        var lines = File.ReadAllLines(DatasetTestClient.IrisPath);

        var rows = await (await client.GetAsync($"/api/datasets/{id}/rows?offset=118&limit=50")).JsonAsync();

        Assert.Equal(["x0", "x1", "x2", "x3", "label"], rows.GetProperty("columns").EnumerateArray()
            .Select(c => c.GetString()));
        Assert.Equal(120, rows.GetProperty("totalRows").GetInt32());
        Assert.Equal(118, rows.GetProperty("offset").GetInt32());
        Assert.Equal(2, rows.GetProperty("rows").GetArrayLength());
        var last = rows.GetProperty("rows")[1];
        var expected = lines[120].Split(',');
        for (int c = 0; c < 4; c++) Assert.Equal(float.Parse(expected[c],
            System.Globalization.CultureInfo.InvariantCulture), last[c].GetSingle());
        Assert.Equal(expected[4], last[4].GetString());
    }

    [Fact]
    public async Task Rows_WithoutWindow_ReturnsFirstFiftyRows()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var id = await UploadAsync(client, "iris");

        var rows = await (await client.GetAsync($"/api/datasets/{id}/rows")).JsonAsync();

        Assert.Equal(50, rows.GetProperty("rows").GetArrayLength());
        Assert.Equal(0, rows.GetProperty("offset").GetInt32());
    }

    [Theory]
    [InlineData("offset=-1", "offset")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    public async Task Rows_BadWindow_Returns400(string query, string key)
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var id = await UploadAsync(client, "iris");

        var problem = await (await client.GetAsync($"/api/datasets/{id}/rows?{query}"))
            .ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(key, out _));
    }

    [Fact]
    public async Task Rows_UnknownDataset_Returns404()
    {
        using var factory = new ApiFactory();
        await (await factory.CreateClient().GetAsync($"/api/datasets/{Guid.NewGuid()}/rows"))
            .ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_Dataset_RemovesItAndSecondDeleteReturns404()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var id = await UploadAsync(client, "iris");

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/datasets/{id}")).StatusCode);

        await (await client.GetAsync($"/api/datasets/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync($"/api/datasets/{id}/rows")).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync($"/api/datasets/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, await client.DatasetCountAsync());
    }

    [Fact]
    public async Task Delete_DatasetOfQueuedJob_Returns409UntilJobIsCancelled()
    {
        // the job stays queued: in use, with no race
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false");
        var client = factory.CreateClient();
        var id = await UploadAsync(client, "iris");
        var job = await client.StartJobAsync(new { networkId = await client.CreateIrisNetworkAsync(), datasetId = id,
            epochs = 1 });

        var problem = await (await client.DeleteAsync($"/api/datasets/{id}")).ProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("used by a training job", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/datasets/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/jobs/{job["id"]}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/datasets/{id}")).StatusCode);
    }
}
