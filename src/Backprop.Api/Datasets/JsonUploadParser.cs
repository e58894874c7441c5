using System.Buffers;
using System.Text.Json;

namespace Backprop.Api.Datasets;

/// <summary>
/// The JSON upload's top level, fed block by block (<see cref="Step"/>): a <see cref="Utf8JsonReader"/> resumes from
/// the state saved at the end of the block before, and each unit (a property, a row, a record) is read whole or left
/// for the next block. <c>features</c> and <c>records</c> go to their row readers as they arrive; every other value is
/// copied out as text (a few bytes, or one per row for <c>targets</c>) and read once it is complete. Unknown or
/// repeated properties are refused by name.
/// </summary>
internal sealed class JsonUploadParser(DatasetOptions limits)
{
    internal static readonly JsonReaderOptions Options = new() { MaxDepth = 8 };

    private static readonly string[] Properties =
        ["name", "task", "targetColumn", "featureNames", "classNames", "features", "targets", "records", "columnTypes",
            "sampleWeightColumn"];

    private enum Phase { Start, Properties, Capture, Features, Records, End }

    private readonly JsonUploadHeader _header = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _captured = new();
    private JsonReaderState _state = new(Options);
    private Phase _phase;
    private string _capturing = "";  // the property whose value is being copied out
    private int _captureFrom;        // where the part of it not copied yet starts in the current block
    private int _captureDepth;
    private byte[]? _targets, _heldRecords;
    private JsonFeatureRows? _features;
    private JsonRecordRows? _records;
    private bool _classNamesAfterRecords;

    /// <summary>Reads what it can of <paramref name="block"/> (the body from where the last step stopped); returns the
    /// bytes consumed. With <paramref name="final"/> the block is the rest of the body.</summary>
    /// <param name="shared">The array that <paramref name="block"/> starts, when feature rows may be stored on two
    /// threads during the step (see <see cref="JsonFeatureRows.Read"/>); null reads them on this thread.</param>
    public int Step(ReadOnlySpan<byte> block, bool final, byte[]? shared = null)
    {
        var reader = new Utf8JsonReader(block, final, _state);
        _captureFrom = 0;
        while (_phase switch
        {
            Phase.Start => Start(ref reader, final),
            Phase.Properties => Property(ref reader, block),
            Phase.Capture => Capture(ref reader, block),
            Phase.Features => _features!.Read(ref reader, block, shared) && Next(Phase.Properties),
            Phase.Records => _records!.Read(ref reader, block) && Next(Phase.Properties),
            _ => End(ref reader),
        })
        {
        }
        if (_phase == Phase.Capture)
        {
            _captured.Write(block[_captureFrom..(int)reader.BytesConsumed]);
            _captureFrom = (int)reader.BytesConsumed;
        }
        _state = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }

    /// <summary>The header and the table, once the whole body has been stepped through.</summary>
    public (JsonUploadHeader, DatasetTable) Finish()
    {
        if (_seen.Contains("records"))
        {
            if (_records is not null && _classNamesAfterRecords && _records.NumericTargets)
                throw new InvalidDatasetException("$.classNames",
                    "Send 'classNames' before 'records': the records are read as they arrive, and a number as a "
                    + "target is a class index only when the names are known.");
            if (_heldRecords is not null)
            {
                var reader = new Utf8JsonReader(_heldRecords, Options);
                reader.Read();
                return (_header, JsonRecordRows.ReadAll(ref reader, _header, limits));
            }
            return (_header, _records!.Build());
        }
        if (_features is null || _targets is null)
            throw new InvalidDatasetException("$",
                "Send 'features' (an array of rows, each an array of numbers) with 'targets' (one per row), "
                + "or 'records' (an array of objects) with 'targetColumn'.");
        return (_header, _features.Finish(_targets));
    }

    private bool Next(Phase phase)
    {
        _phase = phase;
        return true;
    }

    private bool Start(ref Utf8JsonReader reader, bool final)
    {
        if (!reader.Read())
        {
            if (!final) return false;
            throw new InvalidDatasetException("$",
                "The body is empty: expected a JSON object with 'features' and 'targets', or 'records' and "
                    + "'targetColumn'.");
        }
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new InvalidDatasetException("$",
                "The body must be a JSON object with 'features' and 'targets', or 'records' and 'targetColumn'.");
        return Next(Phase.Properties);
    }

    private static bool End(ref Utf8JsonReader reader) =>
        reader.Read() ? throw new InvalidDatasetException("$", "Unexpected content after the JSON object.") : false;

    /// <summary>A property name and the first token of its value, or nothing until both are in the block.</summary>
    private bool Property(ref Utf8JsonReader reader, ReadOnlySpan<byte> block)
    {
        var mark = reader;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.EndObject) return Next(Phase.End);
        var property = JsonCells.Text(ref reader, "$");
        var known = Array.Find(Properties, p => p.Equals(property, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidDatasetException($"$.{property}",
                $"Unknown property '{property}'; a dataset body has only: {string.Join(", ", Properties)}.");
        if (_seen.Contains(known)) throw new InvalidDatasetException($"$.{known}",
            $"Property '{known}' appears more than once.");
        if (!reader.Read())
        {
            reader = mark;
            return false;
        }
        bool rowsLayout = known is "features" or "targets" or "featureNames";
        if ((known == "records" && (_seen.Contains("features") || _seen.Contains("targets")
            || _seen.Contains("featureNames"))) || (rowsLayout && _seen.Contains("records")))
            throw new InvalidDatasetException("$",
                "Send either 'records' (objects with named columns) or 'features' + 'targets' (+ "
                    + "'featureNames'), not both.");
        _seen.Add(known);
        if (known == "classNames" && _records is not null) _classNamesAfterRecords = true;
        if (known == "features")
        {
            JsonCells.Expect(ref reader, JsonTokenType.StartArray, "$.features",
                "an array of rows, each an array of numbers");
            _features = new JsonFeatureRows(_header, limits);
            return Next(Phase.Features);
        }
        if (known == "records" && _seen.Contains("targetColumn"))
        {
            JsonCells.Expect(ref reader, JsonTokenType.StartArray, "$.records", "an array of objects, one per row");
            _records = new JsonRecordRows(_header, limits);
            return Next(Phase.Records);
        }
        _capturing = known;
        _captured.ResetWrittenCount();
        _captureFrom = (int)reader.TokenStartIndex;
        _captureDepth = reader.CurrentDepth;
        if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject) return Next(Phase.Capture);
        _captured.Write(block[_captureFrom..(int)reader.BytesConsumed]);
        Captured();
        return true;
    }

    /// <summary>Copies the tokens of an array or object value out until its end.</summary>
    private bool Capture(ref Utf8JsonReader reader, ReadOnlySpan<byte> block)
    {
        while (true)
        {
            if (!reader.Read()) return false;
            if (reader.CurrentDepth == _captureDepth
                && reader.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject) break;
        }
        _captured.Write(block[_captureFrom..(int)reader.BytesConsumed]);
        Captured();
        _phase = Phase.Properties;
        return true;
    }

    private void Captured()
    {
        var text = _captured.WrittenSpan;
        if (_capturing == "targets") { _targets = text.ToArray(); return; }
        if (_capturing == "records") { _heldRecords = text.ToArray(); return; }
        var reader = new Utf8JsonReader(text, Options);
        reader.Read();
        switch (_capturing)
        {
            case "name": _header.Name = JsonCells.ReadString(ref reader, "$.name"); break;
            case "task": _header.Task = JsonCells.ReadString(ref reader, "$.task"); break;
            case "targetColumn": _header.TargetColumn = JsonCells.ReadString(ref reader, "$.targetColumn"); break;
            case "featureNames": _header.FeatureNames = JsonCells.ReadStrings(ref reader, "$.featureNames",
                limits.MaxColumns); break;
            case "classNames": _header.ClassNames = JsonCells.ReadStrings(ref reader, "$.classNames", int.MaxValue);
                break;
            case "columnTypes": _header.ColumnTypes = ReadColumnTypes(ref reader, limits); break;
            case "sampleWeightColumn": _header.SampleWeightColumn = JsonCells.ReadString(ref reader,
                "$.sampleWeightColumn"); break;
        }
    }

    private static Dictionary<string, ColumnKind> ReadColumnTypes(ref Utf8JsonReader reader, DatasetOptions limits)
    {
        JsonCells.Expect(ref reader, JsonTokenType.StartObject, "$.columnTypes",
            "an object of column name to 'numeric', 'categorical' or 'boolean'");
        var types = new Dictionary<string, ColumnKind>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = JsonCells.Text(ref reader, "$.columnTypes");
            if (types.Count >= limits.MaxColumns) throw new InvalidDatasetException("$.columnTypes",
                $"$.columnTypes has more than {limits.MaxColumns} entries.");
            reader.Read();
            types[name] = ColumnSettings.ParseKind(name, JsonCells.ReadString(ref reader, $"$.columnTypes.{name}"));
        }
        return types;
    }
}
