using System.Text;
using Backprop.Api.Datasets;
using CsCheck;

namespace Backprop.Api.Tests.Datasets;

/// <summary>
/// The CSV and JSON dataset readers: a valid table written out parses back to the same names, labels and float32 bits;
/// a garbled upload ends either as a table or as one of the readers' validation errors (400 or 413), never as anything
/// else, and never hangs (<see cref="HangBound"/> is reached only by a hang, on any machine under any load: a parse
/// here takes milliseconds). CsCheck prints the seed of a failing case; rerun it with <c>CsCheck_Seed=&lt;seed&gt;
/// dotnet test --filter ...</c>.
/// </summary>
public sealed class DatasetParserPropertyTests
{
    private static readonly TimeSpan HangBound = TimeSpan.FromMinutes(2);
    private static readonly DatasetOptions Defaults = new();
    private static readonly DatasetOptions Tight = new() { MaxUploadBytes = 4096, MaxRows = 3, MaxColumns = 4,
        MaxCells = 10 };

    [Fact]
    public void CsvReader_GeneratedTable_RoundTripsNamesLabelsAndFloatBits() =>
        DatasetGenerators.Table.Sample(t =>
        {
            var table = Finish(CsvDatasetReader.ReadAsync(new MemoryStream(DatasetGenerators.Csv(t)),
                Csv(t.TargetName), Defaults, default));
            AssertSame(t, table, Csv, Csv);
        }, iter: 300);

    [Fact]
    public void JsonReader_GeneratedRowsAndRecords_RoundTripNamesLabelsAndFloatBits() =>
        Gen.Select(DatasetGenerators.Table, Gen.Bool, Gen.Bool).Sample((t, records, relaxed) =>
        {
            var (header, table) = Finish(JsonDatasetReader.ReadAsync(new MemoryStream(DatasetGenerators.Json(t,
                records, relaxed)), Defaults, default));
            Assert.Equal("sample", header.Name);
            // featureNames and targetColumn are trimmed; record property names are kept as written.
            AssertSame(t, table, s => records ? s : s.Trim(), s => s.Trim());
        }, iter: 300);

    [Fact]
    public void JsonReader_HeaderAfterTheRows_RoundTripsNamesLabelsAndFloatBits() =>
        Gen.Select(DatasetGenerators.Table, Gen.Bool).Sample((t, records) =>
        {
            var (header, table) = Finish(JsonDatasetReader.ReadAsync(new MemoryStream(DatasetGenerators.Json(t,
                records, relaxed: true, headerLast: true)), Defaults, default));
            Assert.Equal("sample", header.Name);
            AssertSame(t, table, s => records ? s : s.Trim(), s => s.Trim());
        }, iter: 200);

    /// <summary>The body streams through the reader's buffer: blocks of 16 to 64 bytes put every token, row and record
    /// across a block edge somewhere, and must read exactly as one block does.</summary>
    [Fact]
    public void JsonReader_TinyBuffers_ReadAsOneBlockDoes() =>
        Gen.Select(DatasetGenerators.Table, Gen.Bool, Gen.Bool, ByteEdit.Gen(ByteEdit.JsonTokens).Array[0, 2],
            Gen.Int[16, 64]).Sample((t, records, headerLast, edits, buffer) =>
        {
            var body = edits.Aggregate(DatasetGenerators.Json(t, records, relaxed: true, headerLast), (data, edit) =>
                edit.Apply(data));
            var whole = JsonOutcome(body, JsonDatasetReader.BufferBytes);
            var streamed = JsonOutcome(body, buffer);
            // A refusal may name another problem first: UTF-8 is checked a block at a time.
            if (whole.StartsWith("refused", StringComparison.Ordinal)) Assert.StartsWith("refused", streamed);
            else Assert.Equal(whole, streamed);
        }, iter: 400);

    [Fact]
    public void CsvReader_GarbledInput_FailsOnlyWithValidationErrors() =>
        Gen.Select(DatasetGenerators.Table, ByteEdit.Gen(ByteEdit.CsvTokens).Array[1, 4], Gen.Bool, Gen.Int[0, 3])
            .Sample((t, edits, tight, pickTarget) =>
        {
            var body = edits.Aggregate(DatasetGenerators.Csv(t), (data, edit) => edit.Apply(data));
            var target = pickTarget switch { 0 => "", 1 => "missing", _ => t.TargetName };
            FailsOnlyWithValidationErrors(body, tight ? Tight : Defaults, (stream, limits) =>
                CsvDatasetReader.ReadAsync(stream, target, limits, default));
        }, iter: 150);

    [Fact]
    public void JsonReader_GarbledInput_FailsOnlyWithValidationErrors() =>
        Gen.Select(DatasetGenerators.Table, Gen.Bool, ByteEdit.Gen(ByteEdit.JsonTokens).Array[1, 4], Gen.Bool)
            .Sample((t, records, edits, tight) =>
        {
            var body = edits.Aggregate(DatasetGenerators.Json(t, records, relaxed: true), (data, edit) =>
                edit.Apply(data));
            FailsOnlyWithValidationErrors(body, tight ? Tight : Defaults,
                async (stream, limits) => (await JsonDatasetReader.ReadAsync(stream, limits, default)).Table);
        }, iter: 300);

    [Fact]
    public void Readers_RandomBytes_FailOnlyWithValidationErrors() =>
        Gen.Byte.Array[0, 300].Sample(body =>
        {
            FailsOnlyWithValidationErrors(body, Defaults, (stream, limits) => CsvDatasetReader.ReadAsync(stream, "b",
                limits, default));
            FailsOnlyWithValidationErrors(body, Defaults, async (stream, limits) =>
                (await JsonDatasetReader.ReadAsync(stream, limits, default)).Table);
        }, iter: 200);

    [Fact]
    public void CsvReader_HeaderOf100kColumns_IsRefusedQuickly()
    {
        var header = string.Join(",", Enumerable.Range(0, 100_000).Select(i => $"c{i}"));
        var body = Encoding.UTF8.GetBytes(header + "\n" + string.Join(",", Enumerable.Repeat("1", 100_000)) + "\n");
        FailsOnlyWithValidationErrors(body, Defaults, (stream, limits) => CsvDatasetReader.ReadAsync(stream, "c0",
            limits, default));
    }

    /// <summary>The table read with a buffer of <paramref name="bufferBytes"/>, written out, or "refused" and the
    /// validation error.</summary>
    private static string JsonOutcome(byte[] body, int bufferBytes)
    {
        var read = JsonDatasetReader.ReadAsync(new MemoryStream(body), Defaults, default, bufferBytes);
        try
        {
            var (header, table) = Finish(read);
            return string.Join("|", header.Name, header.TargetColumn, string.Join(",", table.FeatureNames),
                table.TargetColumn, string.Join(",", table.Targets()),
                string.Join(",", table.Features().Select(BitConverter.SingleToUInt32Bits)));
        }
        catch (AggregateException e) when (e.InnerException is InvalidDatasetException or DatasetTooLargeException)
        {
            return "refused: " + e.InnerException.Message;
        }
    }

    /// <summary>CSV turns a line break inside quotes into "\n" and trims names and labels.</summary>
    private static string Csv(string s) => s.Replace("\r\n", "\n").Replace('\r', '\n').Trim();

    private static void AssertSame(TableSample t, DatasetTable table, Func<string, string> name,
        Func<string, string> label)
    {
        Assert.Equal(t.FeatureNames.Select(name), table.FeatureNames);
        Assert.Equal(name(t.TargetName), table.TargetColumn);
        Assert.Equal(t.Labels.Select(label), table.Targets());
        Assert.Equal(t.Rows.SelectMany(r => r).Select(BitConverter.SingleToUInt32Bits),
            table.Features().Select(BitConverter.SingleToUInt32Bits));
    }

    private static T Finish<T>(Task<T> task)
    {
        Assert.True(task.Wait(HangBound), $"The reader hung (not finished after {HangBound}).");
        return task.Result;
    }

    /// <summary>Reads <paramref name="body"/> (capped at the upload limit, as the endpoint does) and assembles the
    /// table, on another thread: on a thread of its own (a busy thread pool cannot delay its start), it must finish
    /// (<see cref="HangBound"/>) and fail, if at all, with <see cref="InvalidDatasetException"/> or <see
    /// cref="DatasetTooLargeException"/>.</summary>
    internal static void FailsOnlyWithValidationErrors(byte[] body, DatasetOptions limits, Func<Stream, DatasetOptions,
        Task<DatasetTable>> read)
    {
        var task = Task.Factory.StartNew(async () =>
        {
            var table = await read(new LimitedReadStream(new MemoryStream(body), limits.MaxUploadBytes), limits);
            DatasetAssembler.Assemble(table, null);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        try
        {
            Assert.True(task.Wait(HangBound), $"The reader hung (not finished after {HangBound}).");
        }
        catch (AggregateException e) when (e.InnerException is InvalidDatasetException or DatasetTooLargeException)
        {
        }
        catch (AggregateException e)
        {
            Assert.Fail($"Expected a validation error (or a table), got {e.InnerException}");
        }
    }
}
