using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Backprop.Api.Data;
using Backprop.Api.Datasets;
using CsCheck;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Api.Tests.Datasets;

/// <summary>
/// The CSV reader stores a block's rows on two threads while it parses the next block; the sequential reading (one
/// thread, block after block) is the reference. Both must give the same stored bytes and profile, or the same refusal
/// with the same row, line and column numbers. Tiny buffers put block edges inside quoted fields, CRLFs, the byte order
/// mark and bad cells; the HTTP uploads span several of the service's 1 MiB blocks.
/// </summary>
public sealed class DatasetParallelParseTests
{
    private static readonly DatasetOptions Defaults = new();
    private static readonly DatasetOptions Tight = new() { MaxUploadBytes = 4096, MaxRows = 3, MaxColumns = 4,
        MaxCells = 10 };

    [Fact]
    public void CsvReader_TinyBlocksInParallel_ReadAsTheSequentialReferenceDoes() =>
        Gen.Select(DatasetGenerators.Table, ByteEdit.Gen(ByteEdit.CsvTokens).Array[0, 3], Gen.Int[16, 96],
            Gen.Bool).Sample((t, edits, buffer, tight) =>
        {
            var body = edits.Aggregate(DatasetGenerators.Csv(t), (data, edit) => edit.Apply(data));
            var limits = tight ? Tight : Defaults;
            var reference = Outcome(body, t.TargetName, limits, parallel: false, buffer);
            Assert.Equal(reference, Outcome(body, t.TargetName, limits, parallel: true, buffer));
            // Within the byte limit the buffer's size changes nothing either.
            if (!tight) Assert.Equal(reference, Outcome(body, t.TargetName, limits, parallel: false,
                CsvRecordReader.BufferBytes));
        }, iter: 400);

    [Fact]
    public void CsvReader_TenBadCellsSpreadOverBlocks_RefusedWithTheSameTenAsSequentially()
    {
        var rows = Enumerable.Range(0, 200).Select(r => r % 17 == 5 ? $"{r},NaN,x" : r % 23 == 7 ? $"{r},2,"
            : $"{r},{r * 0.5},y");
        var body = Encoding.UTF8.GetBytes("a,b,label\n" + string.Join("\n", rows) + "\n");

        var reference = Outcome(body, "label", Defaults, parallel: false, CsvRecordReader.BufferBytes);
        Assert.StartsWith("refused: Row 6 (line 7), column 'b': 'NaN' is not a finite number", reference);
        Assert.Equal(reference, Outcome(body, "label", Defaults, parallel: true, 64));
    }

    [Fact]
    public async Task Upload_MultiBlockCsvWithQuotesCrlfBomGapsAndCategories_StoresWhatTheSequentialParseGives()
    {
        var body = AwkwardCsv(rows: 60_000, seed: 18);
        Assert.True(body.Length > 2 * CsvRecordReader.BufferBytes, "The upload must span at least three blocks.");
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        var created = await (await PostAsync(client, body)).CreatedAsync();

        var (data, profile) = Reference(body);
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BackpropDbContext>();
        var id = created.GetProperty("id").GetGuid();
        var stored = await db.Set<DatasetEntity>().Include(d => d.Content).SingleAsync(d => d.Id == id);
        Assert.Equal(60_000, stored.RowCount);
        Assert.Equal(profile, stored.ProfileJson);
        Assert.True(data.AsSpan().SequenceEqual(stored.Content!.Data), "The stored bytes differ from the reference.");
    }

    [Theory]
    [InlineData("bad cells", 40_000, "NaN")]
    [InlineData("a missing target", 40_000, "")]
    [InlineData("a ragged row", 45_000, "1,2")]
    [InlineData("an unclosed quote", 50_000, "\"open")]
    [InlineData("a control character", 52_000, "1\u0001")]
    public async Task Upload_ProblemPastTheFirstBlock_AnsweredAsTheSequentialParseRefusesIt(string what, int row,
        string cell)
    {
        // A few bad cells in the first block (below the ten that stop a parse) come before the problem in a later one.
        var lines = AwkwardRecords(rows: 60_000, seed: 7);
        lines[3] = "1e39,2,\"red\",true,1,a";
        lines[row] = what switch
        {
            "bad cells" => $"{cell},2,\"red\",true,{cell},b",
            "a missing target" => $"1,2,\"red\",true,1,{cell}",
            "a ragged row" => cell,
            _ => $"1,{cell},\"red\",true,1,c",
        };
        if (what == "bad cells") for (int r = row + 1; r < row + 8; r++) lines[r] = $"NaN,2,\"red\",true,1,b";
        var body = Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n");
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        var problem = await (await PostAsync(client, body)).ProblemAsync(HttpStatusCode.BadRequest);

        var refusal = Assert.ThrowsAny<InvalidDatasetException>(() => Reference(body));
        Assert.Equal(refusal.Message, problem.GetProperty("detail").GetString());
        var errors = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name + ": "
            + string.Join(" / ", p.Value.EnumerateArray().Select(m => m.GetString())));
        Assert.Equal(refusal.Errors.Select(e => e.Key + ": " + string.Join(" / ", e.Value))
            .Order(StringComparer.Ordinal), errors.Order(StringComparer.Ordinal));
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("text/csv");
        return client.PostAsync("/api/datasets?name=awkward&targetColumn=label", content);
    }

    /// <summary>A BOM, CRLF line ends, a numeric column, a pixel-like one, categories with commas, quotes and line
    /// breaks inside quotes, booleans in any case, gaps and padded numbers, and class labels.</summary>
    private static byte[] AwkwardCsv(int rows, int seed) =>
        Encoding.UTF8.GetBytes(string.Join("\r\n", AwkwardRecords(rows, seed)) + "\r\n");

    /// <summary>The header and the rows of <see cref="AwkwardCsv"/>, a record each.</summary>
    private static List<string> AwkwardRecords(int rows, int seed)
    {
        var random = new Random(seed);
        string[] colours = ["red", "\"dark, blue\"", "\"say \"\"hi\"\"\"", "\"two\r\nlines\"", "\"three\nlines\"",
            "green"];
        var records = new List<string> { "\uFEFFx,pixel,colour,flag,gap,label" };
        for (int r = 0; r < rows; r++)
        {
            var csv = new StringBuilder();
            float x = (float)(random.NextDouble() * 200 - 100);
            var gap = random.Next(5) switch { 0 => "", 1 => " 2.5 ", 2 => "\t-1e-3", _ => random.Next(100).ToString(
                CultureInfo.InvariantCulture) };
            csv.Append(x.ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(random.Next(256)).Append(',')
                .Append(colours[random.Next(colours.Length)]).Append(',')
                .Append(random.Next(3) switch { 0 => "true", 1 => "FALSE", _ => "True" }).Append(',').Append(gap)
                .Append(',').Append("abc"[random.Next(3)]);
            records.Add(csv.ToString());
        }
        return records;
    }

    /// <summary>The stored bytes and profile of the sequential reading, as the upload computes them.</summary>
    private static (byte[] Data, string Profile) Reference(byte[] body)
    {
        var table = CsvDatasetReader.ReadAsync(new MemoryStream(body), "label", Defaults, default, parallel: false)
            .GetAwaiter().GetResult();
        var content = DatasetAssembler.Assemble(ColumnTyping.Settle(table, ColumnSettings.None, Defaults), null);
        return (DatasetContentCodec.Encode(content),
            JsonSerializer.Serialize(DatasetProfiler.Profile(content), DatasetMapping.ProfileJson));
    }

    /// <summary>The stored bytes and profile, or "refused" with the message and every listed problem.</summary>
    private static string Outcome(byte[] body, string target, DatasetOptions limits, bool parallel, int buffer)
    {
        try
        {
            var table = CsvDatasetReader.ReadAsync(new LimitedReadStream(new MemoryStream(body),
                limits.MaxUploadBytes), target, limits, default, parallel, buffer).GetAwaiter().GetResult();
            var content = DatasetAssembler.Assemble(ColumnTyping.Settle(table, ColumnSettings.None, limits), null);
            return Convert.ToHexString(DatasetContentCodec.Encode(content)) + " "
                + JsonSerializer.Serialize(DatasetProfiler.Profile(content), DatasetMapping.ProfileJson);
        }
        catch (InvalidDatasetException e)
        {
            return "refused: " + e.Message + " " + string.Join(" | ", e.Errors.OrderBy(p => p.Key, StringComparer
                .Ordinal).Select(p => p.Key + ": " + string.Join(" / ", p.Value)));
        }
        catch (DatasetTooLargeException e)
        {
            return "too large: " + e.Message;
        }
    }
}
