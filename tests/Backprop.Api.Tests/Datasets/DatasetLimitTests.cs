using System.Net;
using System.Text;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Tests.Datasets;

public sealed class DatasetLimitTests
{
    [Fact]
    public async Task UploadCsv_BodyOverMaxUploadBytes_Returns413()
    {
        using var factory = new ApiFactory().With("Datasets:MaxUploadBytes", "1000");
        var client = factory.CreateClient();

        var response = await client.PostCsvAsync(DatasetTestClient.IrisCsv);

        var problem = await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("larger than 1000 bytes", problem.GetProperty("detail").GetString());
        Assert.Equal(0, await client.DatasetCountAsync());
    }

    [Fact]
    public async Task UploadMultipart_OverMaxUploadBytes_Returns413()
    {
        using var factory = new ApiFactory().With("Datasets:MaxUploadBytes", "1000");
        var client = factory.CreateClient();

        var response = await client.PostMultipartAsync(DatasetTestClient.IrisCsv, false, ("name", "iris"),
            ("targetColumn", "label"));

        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await client.DatasetCountAsync());
    }

    [Fact]
    public async Task Upload_ChunkedWithoutContentLength_IsCutOffAtMaxUploadBytes()
    {
        using var factory = new ApiFactory().With("Datasets:MaxUploadBytes", "1000");
        var client = factory.CreateClient();
        var content = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(DatasetTestClient.IrisCsv)));
        content.Headers.ContentType = new("text/csv");

        var response = await client.PostAsync("/api/datasets?name=iris&targetColumn=label", content);

        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Upload_MoreCellsThanMaxCells_Returns400()
    {
        using var factory = new ApiFactory().With("Datasets:MaxCells", "100");
        var client = factory.CreateClient();

        var response = await client.PostCsvAsync(DatasetTestClient.IrisCsv);

        await response.RefusedAsync("rows", "more than 100 cells (rows × columns, Datasets:MaxCells)");
        Assert.Equal(0, await client.DatasetCountAsync());
    }

    [Fact]
    public async Task Upload_MoreRowsThanMaxRows_Returns400()
    {
        using var factory = new ApiFactory().With("Datasets:MaxRows", "50");

        var response = await factory.CreateClient().PostCsvAsync(DatasetTestClient.IrisCsv);

        await response.RefusedAsync("rows", "more than 50 rows");
    }

    [Fact]
    public async Task Upload_MoreColumnsThanMaxColumns_Returns400()
    {
        using var factory = new ApiFactory().With("Datasets:MaxColumns", "3");

        var response = await factory.CreateClient().PostCsvAsync(DatasetTestClient.IrisCsv);

        await response.RefusedAsync("header", "The header has 5 columns; at most 3 are allowed");
    }

    [Fact]
    public async Task UploadJson_OverMaxRows_Returns400()
    {
        using var factory = new ApiFactory().With("Datasets:MaxRows", "2");

        var response = await factory.CreateClient()
            .PostJsonAsync("""{ "name": "x", "features": [[1], [2], [3]], "targets": [0, 1, 0] }""");

        await response.RefusedAsync("rows", "more than 2 rows");
    }

    [Fact]
    public void Start_InvalidDatasetLimits_Fails()
    {
        using var factory = new ApiFactory().With("Datasets:MaxUploadBytes", "0");

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        var validation = error as OptionsValidationException ?? Assert.IsType<OptionsValidationException>(
            error.InnerException, exactMatch: false);
        Assert.Contains("MaxUploadBytes", validation.Message);
    }

    [Fact]
    public async Task Upload_Failed_LeavesNothingStored()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        // Each refused for its own reason (a 500 would leave nothing stored too).
        // missing label
        await (await client.PostCsvAsync("a,label\n1,x\n2,\n")).ProblemAsync(HttpStatusCode.BadRequest);
        // NaN feature
        await (await client.PostCsvAsync("a,label\n1,x\nNaN,y\n")).ProblemAsync(HttpStatusCode.BadRequest);
        await (await client.PostJsonAsync("""{ "name": "x", "features": [[1]], "targets": [0], "extra": 1 }"""))
            .ProblemAsync(HttpStatusCode.BadRequest);
        // no targetColumn
        await (await client.PostMultipartAsync("a,label\n1,x\n", false, ("name", "x")))
            .ProblemAsync(HttpStatusCode.BadRequest);

        var list = await (await client.GetAsync("/api/datasets")).JsonAsync();
        Assert.Equal(0, list.GetProperty("totalCount").GetInt32());
        Assert.Empty(list.GetProperty("items").EnumerateArray());
    }

    /// <summary>Forces a chunked request: the client cannot know the length.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
