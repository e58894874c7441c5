using System.Net;
using System.Text;

namespace Backprop.Api.Tests.Datasets;

/// <summary>A multipart upload whose boundary is longer than RFC 2046 allows (70) is a 400 problem, however long it
/// is.</summary>
public sealed class DatasetMultipartBoundaryTests : IDisposable
{
    private readonly ApiFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData(71)]
    [InlineData(5000)] // past MultipartReader's 4 KB buffer, where it throws
    public async Task Upload_WithAnOverlongBoundary_Returns400NamingContentType(int length)
    {
        var boundary = new string('b', length);
        var body = $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; " +
            $"filename=\"d.csv\"\r\nContent-Type: text/csv\r\n\r\nx,y\n1,2\n\r\n--{boundary}--\r\n";
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");
        var problem = await (await _factory.CreateClient().PostAsync("/api/datasets?name=d&targetColumn=y", content))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("boundary", problem.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }
}
