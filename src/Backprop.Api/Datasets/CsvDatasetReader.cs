
namespace Backprop.Api.Datasets;

/// <summary>
/// Streams a CSV upload (UTF-8, header row first, RFC 4180 quoting) into a <see cref="DatasetTable"/>: every column but
/// the target must be numeric (culture-invariant, '.' decimal point); the target cell is kept as text until the task is
/// settled.
/// </summary>
internal static class CsvDatasetReader
{
    public static async Task<DatasetTable> ReadAsync(Stream body, string? targetColumn, DatasetOptions limits,
        CancellationToken ct)
    {
        using var text = new StreamReader(body, CsvRecordReader.StrictUtf8, detectEncodingFromByteOrderMarks: true,
            bufferSize: 16 * 1024, leaveOpen: true);
        var csv = new CsvRecordReader(text);
        if (!await csv.ReadAsync(ct))
            throw new InvalidDatasetException("file",
                "The file is empty: expected a header row of column names, then one row per sample.");
        var header = ReadHeader(csv, limits);
        int target = TargetIndex(header, targetColumn);
        var features = header.Where((_, i) => i != target).ToArray();

        DatasetTableBuilder table = null!;
        table = new DatasetTableBuilder(features, header[target], limits, column =>
        {
            var name = column < 0 ? header[target] : features[column];
            return new CellLocation(name, $"Row {table.Rows} (line {csv.Line}), column '{name}'");
        });
        while (await csv.ReadAsync(ct))
        {
            if (csv.FieldCount != header.Length)
                throw new InvalidDatasetException($"row {table.Rows + 1}",
                    $"Row {table.Rows + 1} (line {csv.Line}) has {csv.FieldCount} cell(s) but the "
                    + $"header has {header.Length} columns; every row needs one value per column (quote values that "
                    + "contain commas).");
            table.BeginRow();
            for (int i = 0, f = 0; i < header.Length; i++)
                if (i == target) table.AddTarget(csv[i]);
                else table.SetFeature(f++, csv[i]);
            table.EndRow();
        }
        if (table.Rows == 0)
            throw new InvalidDatasetException("file",
                "The file has a header but no data rows: add one row per sample below the column names.");
        return table.Build();
    }

    private static string[] ReadHeader(CsvRecordReader csv, DatasetOptions limits)
    {
        if (csv.FieldCount > limits.MaxColumns)
            throw new InvalidDatasetException("header", $"The header has {csv.FieldCount} columns; " +
                $"at most {limits.MaxColumns} are allowed (Datasets:MaxColumns).");
        if (csv.FieldCount < 2)
            throw new InvalidDatasetException("header",
                "The header needs at least two columns (one or more features and the target), "
                + $"separated by commas; got '{DatasetTableBuilder.Clip(csv[0])}'.");
        var names = new string[csv.FieldCount];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            var name = names[i] = csv[i].Trim().ToString();
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
