using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Backprop.Api.Tests.Datasets;

public sealed class DatasetRequestRejectionTests
{
    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task Upload_OtherContentType_Returns415(string contentType)
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        var response = await client.PostAsync("/api/datasets?name=x&targetColumn=label",
            new StringContent("a,label\n1,x\n", Encoding.UTF8, contentType));

        var problem = await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Contains($"'{contentType}", problem.GetProperty("detail").GetString());
        Assert.Contains("text/csv", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Upload_WithoutContentType_Returns415()
    {
        using var factory = new ApiFactory();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("a,label\n1,x\n"));

        var response = await factory.CreateClient().PostAsync("/api/datasets", content);

        await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task UploadMultipart_WithoutFileField_Returns400()
    {
        using var factory = new ApiFactory();
        var form = new MultipartFormDataContent { { new StringContent("iris"), "name" }, { new StringContent("label"),
            "targetColumn" } };

        var response = await factory.CreateClient().PostAsync("/api/datasets", form);

        await response.RefusedAsync("file", "no 'file' field");
    }

    [Fact]
    public async Task UploadMultipart_UnknownField_Returns400NamingIt()
    {
        using var factory = new ApiFactory();

        var response = await factory.CreateClient().PostMultipartAsync("a,label\n1,x\n2,y\n", false, ("name", "x"),
            ("target", "label"));

        await response.RefusedAsync("target", "Unknown form field 'target'");
    }

    [Fact]
    public async Task UploadMultipart_TruncatedBody_Returns400()
    {
        using var factory = new ApiFactory();
        var body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\r\na,label\n1,x\n";
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");

        var response = await factory.CreateClient().PostAsync("/api/datasets?name=x&targetColumn=label", content);

        await response.RefusedAsync("file", "malformed");
    }

    [Fact]
    public async Task UploadMultipart_CsvError_NamesRowAndColumn()
    {
        using var factory = new ApiFactory();

        var response = await factory.CreateClient().PostMultipartAsync("a,label\n1,x\nNaN,y\n", false, ("name", "x"),
            ("targetColumn", "label"));

        await response.RefusedAsync("a", "Row 2 (line 3), column 'a': 'NaN' is not a finite number");
    }
}
