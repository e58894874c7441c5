using System.Globalization;

namespace Backprop.Api.Datasets;

/// <summary>Column settings of an upload: declared types (by column name) and the sample weight column.</summary>
internal sealed record ColumnSettings(IReadOnlyDictionary<string, ColumnKind>? ColumnTypes, string? SampleWeightColumn)
{
    public static readonly ColumnSettings None = new(null, null);

    /// <summary>columnTypes as a query parameter or form field: a JSON object (<c>{"zip":"categorical"}</c>) or
    /// <c>zip:categorical,age:numeric</c>.</summary>
    public static IReadOnlyDictionary<string, ColumnKind>? ParseTypes(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        IEnumerable<(string Name, string Type)> pairs;
        if (text.StartsWith('{'))
        {
            try
            {
                pairs = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(text)!.Select(p =>
                    (p.Key, p.Value));
            }
            catch (System.Text.Json.JsonException)
            {
                throw new InvalidDatasetException("columnTypes",
                    "columnTypes must be a JSON object of column name to type, e.g. {\"zip\": \"categorical\"}, "
                    + "or name:type pairs separated by commas, e.g. zip:categorical,age:numeric.");
            }
        }
        else
            pairs = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(pair =>
            {
                int colon = pair.LastIndexOf(':');
                return colon > 0 ? (pair[..colon].Trim(), pair[(colon + 1)..].Trim())
                    : throw new InvalidDatasetException("columnTypes",
                        $"'{pair}' in columnTypes is not name:type (e.g. zip:categorical).");
            });
        var types = new Dictionary<string, ColumnKind>(StringComparer.Ordinal);
        foreach (var (name, type) in pairs) types[name] = ParseKind(name, type);
        return types;
    }

    public static ColumnKind ParseKind(string column, string? type) => type?.Trim().ToLowerInvariant() switch
    {
        "numeric" => ColumnKind.Numeric,
        "categorical" => ColumnKind.Categorical,
        "boolean" => ColumnKind.Boolean,
        _ => throw new InvalidDatasetException($"columnTypes.{column}",
            $"The type of column '{column}' must be 'numeric', 'categorical' or 'boolean', got '{type}'."),
    };
}

/// <summary>
/// Settles each feature column's type after parsing: declared in columnTypes, or inferred: every cell a number →
/// numeric (integers too, unless declared categorical); every cell true/false → boolean; any other text → categorical,
/// whose levels are the distinct cell texts in ordinal order (numbers in such a column are levels as written). Takes
/// the sample weight column out of the features, and checks the level and encoded-width limits, naming the column and
/// the fix.
/// </summary>
internal static class ColumnTyping
{
    public static DatasetTable Settle(DatasetTable table, ColumnSettings settings, DatasetOptions limits)
    {
        if (table.Cells is not { } cells) return table;
        int width = table.Width, rows = table.Rows;
        CheckDeclared(table, settings);
        int weightIndex = settings.SampleWeightColumn is { } weightName ? WeightIndex(table, weightName) : -1;

        var errors = new ProblemErrors();
        var kinds = new ColumnKind[width];
        var levels = new List<string>?[width];
        var remap = new int[width][];
        for (int c = 0; c < width; c++)
        {
            var name = table.FeatureNames[c];
            var texts = cells.Texts[c];
            if (cells.Missing[c] == rows && c != weightIndex)
            {
                errors.Add(name,
                    $"Column '{name}' has no values (every cell is missing); drop the column and upload again.");
                continue;
            }
            ColumnKind? declared = settings.ColumnTypes?.TryGetValue(name, out var k) == true ? k : null;
            var kind = kinds[c] = c == weightIndex ? ColumnKind.Numeric : declared ?? Infer(texts);
            switch (kind)
            {
                case ColumnKind.Numeric when texts.TextCells > 0:
                    errors.Add(name, c == weightIndex
                        ? $"The sample weight column '{name}' holds '{DatasetTableBuilder.Clip(texts.FirstText)}' " +
                            $"in row {texts.FirstTextRow}; sample weights must be numbers (0 or more)."
                        : $"Column '{name}' is declared numeric but row {texts.FirstTextRow} holds " +
                            $"'{DatasetTableBuilder.Clip(texts.FirstText)}'; fix the cell, "
                            + "or declare the column categorical in columnTypes.");
                    break;
                case ColumnKind.Boolean:
                    if (texts.NonBooleanTextCells > 0 || NumbersOtherThanZeroOne(table, c))
                    {
                        var example = DatasetTableBuilder.Clip(
                            texts.NonBooleanTextCells > 0 ? texts.FirstText : "a number");
                        errors.Add(name, $"Column '{name}' is declared boolean but holds values other than "
                            + $"true/false (or 1/0), e.g. '{example}'; declare it categorical or numeric instead.");
                    }
                    break;
                case ColumnKind.Categorical:
                    if (texts.Overflowed)
                        errors.Add(name, $"Column '{name}' has more than {limits.MaxLevelsPerColumn} distinct " +
                            "values, too many levels for a categorical column "
                            + $"(Datasets:MaxLevelsPerColumn)" + (texts.TextCells > 0 && declared is null
                                ? $"; it was read as categorical because row {texts.FirstTextRow} holds " +
                                    $"'{DatasetTableBuilder.Clip(texts.FirstText)}': if the column is numeric, " +
                                    "fix that cell"
                                : "") + ", or drop the column, or group rare values before uploading.");
                    else
                    {
                        var sorted = texts.Texts.Order(StringComparer.Ordinal).ToList();
                        levels[c] = sorted;
                        var position = sorted.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i,
                            StringComparer.Ordinal);
                        remap[c] = [.. texts.Texts.Select(t => position[t])];
                    }
                    break;
            }
        }
        if (errors.Any) throw Refused(errors);

        float[]? weights = weightIndex >= 0 ? Weights(table, weightIndex) : null;
        var keep = Enumerable.Range(0, width).Where(c => c != weightIndex).ToArray();
        bool plain = keep.All(c => kinds[c] == ColumnKind.Numeric && cells.Missing[c] == 0);
        var features = new float[rows * keep.Length];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < keep.Length; j++)
            {
                int c = keep[j], code = cells.Codes[r * width + c];
                float raw = table.Features[r * width + c];
                features[r * keep.Length + j] = code == DatasetTableBuilder.MissingCode ? float.NaN : kinds[c] switch
                {
                    ColumnKind.Categorical => remap[c][code],
                    ColumnKind.Boolean => float.IsNaN(raw) ? (cells.Texts[c].Texts[code] == "true" ? 1 : 0) : raw,
                    _ => raw,
                };
            }
        var columns = plain ? null : keep.Select(c => new RawColumn(table.FeatureNames[c], kinds[c], levels[c]))
            .ToArray();
        if (columns is not null) CheckEncodedWidth(columns, cells, keep, limits);
        return table with
        {
            FeatureNames = [.. keep.Select(c => table.FeatureNames[c])],
            Features = features,
            Columns = columns,
            SampleWeights = weights,
            SampleWeightColumn = weightIndex >= 0 ? table.FeatureNames[weightIndex] : null,
            Cells = null,
        };
    }

    // true/false mixed with numbers is categorical: the numbers would otherwise become booleans no one declared.
    private static ColumnKind Infer(ColumnTexts texts) =>
        texts.TextCells == 0 ? ColumnKind.Numeric
        : texts.NonBooleanTextCells == 0 && texts.NumberCells == 0 ? ColumnKind.Boolean
        : ColumnKind.Categorical;

    private static bool NumbersOtherThanZeroOne(DatasetTable table, int c)
    {
        for (int r = 0; r < table.Rows; r++)
            if (table.Features[r * table.Width + c] is var v && !float.IsNaN(v) && v is not (0 or 1)) return true;
        return false;
    }

    private static void CheckDeclared(DatasetTable table, ColumnSettings settings)
    {
        foreach (var name in settings.ColumnTypes?.Keys ?? [])
        {
            if (name == table.TargetColumn)
                throw new InvalidDatasetException($"columnTypes.{name}", $"'{name}' is the target column; " +
                    "its type follows from task (classification or regression), not columnTypes.");
            if (!table.FeatureNames.Contains(name))
                throw new InvalidDatasetException($"columnTypes.{name}", $"columnTypes names '{name}', " +
                    $"which is not a column of the data ({string.Join(", ", table.FeatureNames)}).");
        }
    }

    private static int WeightIndex(DatasetTable table, string name)
    {
        int index = table.FeatureNames.ToList().IndexOf(name.Trim());
        if (index >= 0)
        {
            if (table.Width < 2)
                throw new InvalidDatasetException("sampleWeightColumn", $"'{name}' is the only feature column; " +
                    "the data needs at least one feature besides the sample weights.");
            return index;
        }
        throw new InvalidDatasetException("sampleWeightColumn", name.Trim() == table.TargetColumn
            ? $"The sample weight column '{name}' is the target column; name a column of weights."
            : $"The sample weight column '{name}' is not a column of the data " +
                $"({string.Join(", ", table.FeatureNames)}).");
    }

    private static float[] Weights(DatasetTable table, int c)
    {
        var name = table.FeatureNames[c];
        var weights = new float[table.Rows];
        double sum = 0;
        for (int r = 0; r < table.Rows; r++)
        {
            float w = table.Features[r * table.Width + c];
            if (float.IsNaN(w))
                throw new InvalidDatasetException(name, $"Row {r + 1} of the sample weight column '{name}' is " +
                    "empty; every row needs a weight (use 1 for an ordinary row).");
            if (w < 0)
                throw new InvalidDatasetException(name, $"Row {r + 1} of the sample weight column '{name}' is " +
                    $"{w.ToString(CultureInfo.InvariantCulture)}; weights must be 0 or more.");
            weights[r] = w;
            sum += w;
        }
        if (sum <= 0) throw new InvalidDatasetException(name,
            $"Every weight in the sample weight column '{name}' is 0; at least one row must weigh more than 0.");
        return weights;
    }

    private static void CheckEncodedWidth(RawColumn[] columns, RawCells cells, int[] keep, DatasetOptions limits)
    {
        // The widest preparation: every level of the data, a missing level or indicator wherever cells are missing.
        var widths = columns.Select((column, j) => (column.Name, Width: (column.Levels?.Count ?? 1)
            + (cells.Missing[keep[j]] > 0 ? 1 : 0))).ToList();
        long total = widths.Sum(w => (long)w.Width);
        if (total <= limits.MaxEncodedWidth) return;
        var widest = widths.MaxBy(w => w.Width);
        throw new InvalidDatasetException(widest.Name, $"One-hot encoding gives {total} network inputs, " +
            $"more than {limits.MaxEncodedWidth} (Datasets:MaxEncodedWidth); "
            + $"column '{widest.Name}' alone gives {widest.Width}: drop it, declare it numeric if it is a number, "
            + "or group its rare values before uploading.");
    }

    private static InvalidDatasetException Refused(ProblemErrors errors)
    {
        var all = errors.ToDictionary();
        return new InvalidDatasetException(all.First().Value[0]
            + (all.Count > 1 ? $" ({all.Count} columns have problems; all are listed in errors.)" : ""), all);
    }
}
