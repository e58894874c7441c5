using System.Diagnostics;
using System.Text;
namespace Backprop.Api.Tests.Datasets;
public sealed class ZzLargeUploadProbe(ITestOutputHelper output)
{
    [Fact]
    public async Task LargeUpload()
    {
        var sb = new StringBuilder("a,b,c,d,e,f,g,h,i,j,label\n");
        var rng = new Random(1);
        for (int r = 0; r < 420_000; r++)
        {
            for (int c = 0; c < 10; c++) sb.Append((rng.NextDouble() * 100 - 50).ToString("R", System.Globalization.CultureInfo.InvariantCulture).AsSpan(0, 9)).Append(',');
            sb.Append(r % 7).Append('\n');
        }
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        output.WriteLine($"{bytes.Length / 1e6:F1} MB");
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        client.Timeout = TimeSpan.FromMinutes(5);
        var before = GC.GetTotalAllocatedBytes();
        var sw = Stopwatch.StartNew();
        var content = new ByteArrayContent(bytes); content.Headers.ContentType = new("text/csv");
        var response = await client.PostAsync("/api/datasets?name=big&targetColumn=label", content);
        output.WriteLine($"{(int)response.StatusCode} in {sw.ElapsedMilliseconds} ms, allocated {(GC.GetTotalAllocatedBytes() - before) / 1e6:F0} MB");
        var id = (await response.CreatedAsync()).GetProperty("id").GetGuid();
        sw.Restart();
        var list = await client.GetAsync("/api/datasets");
        output.WriteLine($"list {sw.ElapsedMilliseconds} ms; rows {(int)(await client.GetAsync($"/api/datasets/{id}/rows?offset=400000&limit=5")).StatusCode}");
        var json = "{\"name\":\"j\",\"features\":[" + string.Join(",", Enumerable.Range(0, 200_000).Select(i => $"[{i * 0.5},{i % 13},{-i}]")) + "],\"targets\":[" + string.Join(",", Enumerable.Range(0, 200_000).Select(i => i * 0.25)) + "]}";
        sw.Restart();
        var jr = await client.PostJsonAsync(json);
        output.WriteLine($"json {json.Length / 1e6:F1} MB: {(int)jr.StatusCode} in {sw.ElapsedMilliseconds} ms");
    }
}
