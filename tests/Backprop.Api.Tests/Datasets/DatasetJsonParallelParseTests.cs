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
/// The JSON reader stores each block of feature rows on two threads while it tokenizes the next block; the sequential
/// reading (one thread, block after block) is the reference. Both must give the same stored bytes and profile, or the
/// same refusal with the same row and column paths. The generated bodies span many blocks and mix plain cells with
/// escaped strings (read one row at a time), bad cells, nulls, booleans, categories, padded and non-ASCII-padded
/// numbers, ragged rows, syntax errors and tight limits; the HTTP upload spans several of the service's 1 MiB buffers.
/// </summary>
public sealed class DatasetJsonParallelParseTests
{
    private static readonly DatasetOptions Defaults = new();

    /// <summary>Cells, mostly numbers: the rest turn a column categorical, refuse a cell, or make a row non-plain.
    /// </summary>
    private static readonly string[] OddCells =
        ["null", "true", "false", "\"red\"", "\"dark blue\"", "\" 2.5 \"", "\"\u00A07\u00A0\"", "\"\"", "\"NaN\"",
            "1e999", "\"\\u0041\"", "\"caf\\u00e9\"", "[1]", "{}", "-0", "3.4e38"];

    /// <summary>Odd cells that a column of numbers takes: missing, padded, escaped (the row is read alone), extreme.
    /// </summary>
    private static readonly string[] QuietCells =
        ["null", "\"\"", "\" 2.5 \"", "\"\u00A07\u00A0\"", "\"\\u0037\"", "-0", "3.4e38", "-1e-45"];

    /// <summary>A body of many rows: width 1 to 6 (blocks of 256 rows) or 300 to 800 (blocks of a few dozen), odd
    /// cells from none to one in 40, targets as labels or class indexes, featureNames before or after the rows or
    /// none, and at most one edit (see <see cref="Write"/>).</summary>
    private static readonly Gen<(byte[] Body, DatasetOptions Limits)> Body = Gen.Select(
        Gen.Frequency((3, Gen.Int[1, 6]), (1, Gen.Int[300, 800])), Gen.Int[0, 1500], Gen.Int[0, 5], Gen.Int[0, 4],
        Gen.Int[0, int.MaxValue], Gen.Int[0, 3].Select(i => i switch { 0 => 0, 1 => 4000, 2 => 400, _ => 40 }),
        (width, rows, edit, layout, seed, oddEvery) => Write(width, rows, edit, layout, seed, oddEvery: oddEvery));

    [Fact]
    public void JsonReader_ManyBlocksInParallel_ReadAsTheSequentialReferenceDoes() =>
        Gen.Select(Body, Gen.OneOf(Gen.Int[64, 4096], Gen.Const(JsonDatasetReader.BufferBytes))).Sample(
            (body, buffer) =>
            {
                var reference = Outcome(body.Body, body.Limits, parallel: false, buffer);
                Assert.Equal(reference, Outcome(body.Body, body.Limits, parallel: true, buffer));
            }, iter: 60);

    [Fact]
    public void JsonReader_TenBadCellsSpreadOverBlocks_RefusedWithTheSameTenAsSequentially()
    {
        var rows = Enumerable.Range(0, 2000).Select(r => r % 170 == 5 ? $"[{r},\"NaN\"]" : r % 230 == 7
            ? $"[{r},1e999]" : $"[{r},{r * 0.5}]");
        var body = Encoding.UTF8.GetBytes("{\"name\":\"n\",\"features\":[" + string.Join(",", rows)
            + "],\"targets\":[" + string.Join(",", Enumerable.Range(0, 2000).Select(r => r % 3)) + "]}");

        var reference = Outcome(body, Defaults, parallel: false, JsonDatasetReader.BufferBytes);
        Assert.StartsWith("refused: ", reference);
        Assert.Contains("$.features[5][1]", reference, StringComparison.Ordinal);
        Assert.Equal(reference, Outcome(body, Defaults, parallel: true, JsonDatasetReader.BufferBytes));
        Assert.Equal(reference, Outcome(body, Defaults, parallel: true, 300));
    }

    [Fact]
    public async Task Upload_MultiBufferJsonRowsWithOddCells_StoresWhatTheSequentialParseGives()
    {
        var body = Write(width: 120, rows: 12_000, edit: 0, layout: 0, seed: 18, oddEvery: 50, odd: QuietCells).Body;
        Assert.True(body.Length > 2 * JsonDatasetReader.BufferBytes, "The upload must span at least three buffers.");
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        var created = await (await PostAsync(client, body)).CreatedAsync();

        var (_, table) = await JsonDatasetReader.ReadAsync(new MemoryStream(body), Defaults, default,
            parallel: false);
        var content = DatasetAssembler.Assemble(ColumnTyping.Settle(table, ColumnSettings.None, Defaults), null);
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BackpropDbContext>();
        var id = created.GetProperty("id").GetGuid();
        var stored = await db.Set<DatasetEntity>().Include(d => d.Content).SingleAsync(d => d.Id == id);
        Assert.Equal(12_000, stored.RowCount);
        Assert.Equal(JsonSerializer.Serialize(DatasetProfiler.Profile(content), DatasetMapping.ProfileJson),
            stored.ProfileJson);
        Assert.True(DatasetContentCodec.Encode(content).AsSpan().SequenceEqual(stored.Content!.Data),
            "The stored bytes differ from the reference.");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Upload_ProblemPastTheFirstBuffer_AnsweredAsTheSequentialParseRefusesIt(int edit)
    {
        var body = Write(width: 120, rows: 12_000, edit, layout: 0, seed: 7, at: 9_000, oddEvery: 50, odd: QuietCells)
            .Body;
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        var problem = await (await PostAsync(client, body)).ProblemAsync(HttpStatusCode.BadRequest);

        var refusal = await Assert.ThrowsAnyAsync<InvalidDatasetException>(() => JsonDatasetReader.ReadAsync(
            new MemoryStream(body), Defaults, default, parallel: false));
        Assert.Equal(refusal.Message, problem.GetProperty("detail").GetString());
        var errors = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name + ": "
            + string.Join(" / ", p.Value.EnumerateArray().Select(m => m.GetString())));
        Assert.Equal(refusal.Errors.Select(e => e.Key + ": " + string.Join(" / ", e.Value))
            .Order(StringComparer.Ordinal), errors.Order(StringComparer.Ordinal));
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        return client.PostAsync("/api/datasets", content);
    }

    /// <summary>
    /// A features/targets body. <paramref name="edit"/>: 0 none, 1 a ragged row, 2 a broken token (a syntax error),
    /// 3 bad cells, 4 one target too few, 5 tight row and cell limits; at row <paramref name="at"/> (or one the seed
    /// picks). <paramref name="layout"/>: 0-1 generated names first, 2 after the rows, 3 class names with indexes,
    /// 4 no names.
    /// </summary>
    private static (byte[] Body, DatasetOptions Limits) Write(int width, int rows, int edit, int layout, int seed,
        int at = -1, int oddEvery = 400, string[]? odd = null)
    {
        odd ??= OddCells;
        var random = new Random(seed);
        if (at < 0) at = rows == 0 ? 0 : random.Next(rows);
        var names = "\"featureNames\":[" + string.Join(",", Enumerable.Range(0, width).Select(i => $"\"f{i}\"")) + "]";
        var json = new StringBuilder("{\"name\":\"awkward\",");
        if (layout <= 1) json.Append(names).Append(',');
        if (layout == 3) json.Append("\"classNames\":[\"a\",\"b\",\"c\"],");
        json.Append("\"features\":[");
        for (int r = 0; r < rows; r++)
        {
            if (r > 0) json.Append(r % 7 == 0 ? ",\n " : ",");
            int cells = edit == 1 && r == at ? width + 1 : width;
            json.Append('[');
            for (int c = 0; c < cells; c++)
            {
                if (c > 0) json.Append(random.Next(9) == 0 ? " , " : ",");
                json.Append(edit == 3 && r >= at && r < at + 12 && c == 0 ? "\"NaN\""
                    : oddEvery > 0 && random.Next(oddEvery) == 0 ? odd[random.Next(odd.Length)] : Number(random));
            }
            json.Append(']');
            if (edit == 2 && r == at) json.Append("tru");
        }
        json.Append("],");
        if (layout == 2) json.Append(names).Append(',');
        int targets = edit == 4 ? rows - 1 : rows;
        json.Append("\"targets\":[").AppendJoin(",", Enumerable.Range(0, Math.Max(targets, 0)).Select(_ =>
            layout == 3 ? random.Next(3).ToString(CultureInfo.InvariantCulture) : $"\"{"xyz"[random.Next(3)]}\""))
            .Append("]}");
        var limits = edit == 5 ? new DatasetOptions { MaxRows = Math.Max(1, at), MaxCells = Math.Max(2, at * width) }
            : Defaults;
        return (Encoding.UTF8.GetBytes(json.ToString()), limits);
    }

    private static string Number(Random random) => random.Next(2) == 0
        ? random.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture)
        : ((float)(random.NextDouble() * 200 - 100)).ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The stored bytes and profile, or "refused" with the message and every listed problem.</summary>
    private static string Outcome(byte[] body, DatasetOptions limits, bool parallel, int buffer)
    {
        try
        {
            var (_, table) = JsonDatasetReader.ReadAsync(new MemoryStream(body), limits, default, buffer, parallel)
                .GetAwaiter().GetResult();
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
