using System.Runtime.ExceptionServices;
using System.Text;

namespace Backprop.Api.Datasets;

/// <summary>
/// Streams a CSV upload (UTF-8, header row first, RFC 4180 quoting) into a <see cref="DatasetTable"/>: every column
/// but the
/// target must be numeric (culture-invariant, '.' decimal point); the target cell is kept as text until the task is
/// settled.
/// </summary>
internal static class CsvDatasetReader
{
    /// <summary>Rows the sequential reference parses before it stores them column by column.</summary>
    private const int BlockRows = 256;

    /// <summary>
    /// Reads the upload. In parallel (the service's way), the rows of each block are stored, column groups on two
    /// threads, while the reader parses the next block; sequentially (the reference the parallel reading is tested
    /// against), block after block on one thread. Both give the same table and the same errors, in the same order.
    /// </summary>
    /// <param name="bufferBytes">The reader's two buffers' size: a block of rows is what one holds.</param>
    public static async Task<DatasetTable> ReadAsync(Stream body, string? targetColumn, DatasetOptions limits,
        CancellationToken ct, bool parallel = true, int bufferBytes = CsvRecordReader.BufferBytes)
    {
        using var csv = new CsvRecordReader(body, bufferBytes);
        var headerBlock = await csv.ReadBlockAsync(1, ct);
        if (headerBlock.Records == 0)
            throw new InvalidDatasetException("file",
                "The file is empty: expected a header row of column names, then one row per sample.");
        var header = ReadHeader(headerBlock, limits);
        int target = TargetIndex(header, targetColumn);
        var features = header.Where((_, i) => i != target).ToArray();

        var featureField = Enumerable.Range(0, header.Length).Where(i => i != target).ToArray();
        var table = new DatasetTableBuilder(features, header[target], limits, _ => throw new
            InvalidOperationException("CSV rows arrive in blocks."));
        var block = await csv.ReadBlockAsync(parallel ? int.MaxValue : BlockRows, ct);
        while (block.Records > 0)
        {
            int first = table.Rows, ragged = 0;
            while (ragged < block.Records && block.FieldCountOf(ragged) == header.Length) ragged++;
            var current = block;
            CellLocation Locate(int column, int record)
            {
                var name = column < 0 ? header[target] : features[column];
                return new CellLocation(name, $"Row {first + record + 1} (line {current.LineOf(record)}), column "
                    + $"'{name}'");
            }
            ExceptionDispatchInfo? failed = null;
            if (parallel)
            {
                var parts = new DatasetTableBuilder.BlockParts<CsvBlock.Cells>(table, current.View, ragged,
                    featureField, target);
                var helper = Task.Run(parts.Help, CancellationToken.None);
                if (ragged == current.Records)
                {
                    try
                    {
                        block = await csv.ReadBlockAsync(int.MaxValue, ct);
                    }
                    catch (Exception e)
                    {
                        failed = ExceptionDispatchInfo.Capture(e); // thrown after this block's rows, as in order
                    }
                }
                try
                {
                    parts.Help();
                }
                finally
                {
                    await helper; // the block's buffer goes back to the pool only after both threads left it
                }
                parts.End(Locate);
            }
            else
            {
                table.AddRows(current.View, ragged, featureField, target, Locate);
            }
            if (ragged < current.Records)
                throw new InvalidDatasetException($"row {table.Rows + 1}",
                    $"Row {table.Rows + 1} (line {current.LineOf(ragged)}) has {current.FieldCountOf(ragged)} "
                    + $"cell(s) but the header has {header.Length} columns; every row needs one value per column "
                    + $"(quote values that contain commas).");
            failed?.Throw();
            if (!parallel) block = await csv.ReadBlockAsync(BlockRows, ct);
        }
        if (table.Rows == 0)
            throw new InvalidDatasetException("file",
                "The file has a header but no data rows: add one row per sample below the column names.");
        return table.Build();
    }

    private static string[] ReadHeader(CsvBlock csv, DatasetOptions limits)
    {
        int fieldCount = csv.FieldCountOf(0);
        if (fieldCount > limits.MaxColumns)
            throw new InvalidDatasetException("header",
                $"The header has {fieldCount} columns; at most {limits.MaxColumns} are allowed "
                    + $"(Datasets:MaxColumns).");
        if (fieldCount < 2)
            throw new InvalidDatasetException("header",
                "The header needs at least two columns (one or more features and the target), "
                + $"separated by commas; got '{DatasetTableBuilder.Clip(Encoding.UTF8.GetString(csv.Cell(0, 0)))}'.");
        var names = new string[fieldCount];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            var name = names[i] = Encoding.UTF8.GetString(csv.Cell(0, i)).Trim();
            if (name.Length == 0)
                throw new InvalidDatasetException("header",
                    $"Column {i + 1} of the header has no name; every column needs a unique name.");
            if (name.Length > DatasetLimits.MaxColumnNameLength)
                throw new InvalidDatasetException("header",
                    $"Column {i + 1}'s name is longer than {DatasetLimits.MaxColumnNameLength} characters.");
            if (seen.TryGetValue(name, out int first))
                throw new InvalidDatasetException("header",
                    $"Column name '{name}' appears twice in the header (columns {first + 1} and {i + 1}); "
                    + "column names must be unique.");
            seen[name] = i;
        }
        return names;
    }

    private static int TargetIndex(string[] header, string? targetColumn)
    {
        var columns = string.Join(", ", header);
        if (string.IsNullOrWhiteSpace(targetColumn))
            throw new InvalidDatasetException("targetColumn",
                $"Name the column to predict with targetColumn; the header has: {columns}.");
        int index = Array.IndexOf(header, targetColumn.Trim());
        if (index >= 0) return index;
        var near = header.FirstOrDefault(h => string.Equals(h, targetColumn.Trim(),
            StringComparison.OrdinalIgnoreCase));
        throw new InvalidDatasetException("targetColumn",
            $"The target column '{targetColumn}' is not in the header ({columns})"
            + (near is null ? "." : $"; did you mean '{near}'? (names are case-sensitive)"));
    }
}
