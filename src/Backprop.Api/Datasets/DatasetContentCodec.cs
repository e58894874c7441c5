using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Backprop.Api.Datasets;

/// <summary>
/// Compact, versioned binary form of a dataset, little-endian:
/// <c>"BPDS" | u16 version | u8 task (0 classification, 1 regression) | i32 rows | i32 width | string targetColumn |
/// i32 n, n × string featureNames | i32 c, c × string classNames | u8 flags (1 = column kinds, 2 = sample weights) |
/// width × (u8 kind, i32 n, n × string level) | string sampleWeightColumn</c> (each when flagged), then the data;
/// strings as
/// <see cref="BinaryWriter"/> writes them (7-bit length prefix, UTF-8).
/// Version 3 (written now) stores the data column by column: each feature, then the target (class indices or numbers),
/// then
/// the sample weights (when flagged), each as <c>u8 0 | f32 × rows</c> or <c>u8 b (1, 2, 4) | i32 n | f32 × n
/// dictionary |
/// b-byte codes × rows</c> (a cell's value is its code's dictionary entry): a pixel column costs a byte per row.
/// Versions 1 and 2 (still read) store <c>f32 features (rows, width) | i32 labels (rows) or f32 targets (rows) | f32
/// sample weights
/// (rows)</c>, version 1 without the flags. A preview reads only the rows it shows.
/// </summary>
public static class DatasetContentCodec
{
    private static ReadOnlySpan<byte> Magic => "BPDS"u8;
    public const ushort Version = 3;

    public static byte[] Encode(DatasetContent data) => Encode(DatasetColumns.From(data));

    internal static byte[] Encode(DatasetColumns data)
    {
        if (!BitConverter.IsLittleEndian) throw new
            PlatformNotSupportedException("The dataset codec writes little-endian data.");
        var header = Header(data);
        var columns = new List<ParsedColumn>(data.Features) { data.Target };
        if (data.SampleWeights is { } weights) columns.Add(ParsedColumn.FromValues(weights, 0, 1));
        long size = header.Length + columns.Sum(c => 1L + (c.Coded ? 4 + 4L * c.Entries : 0) + (long)c.Rows *
            c.CellBytes);
        if (size > Array.MaxLength) throw new DatasetTooLargeException(Array.MaxLength);
        var bytes = GC.AllocateUninitializedArray<byte>((int)size);
        header.CopyTo(bytes, 0);
        int at = header.Length;
        foreach (var column in columns)
        {
            bytes[at++] = (byte)(column.Coded ? column.CellBytes : 0);
            if (column.Coded)
            {
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), column.Entries);
                at += 4;
                for (int code = 0; code < column.Entries; code++, at += 4)
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), column.Value(code));
            }
            foreach (var chunk in column.CellChunks())
            {
                chunk.Span.CopyTo(bytes.AsSpan(at));
                at += chunk.Length;
            }
        }
        return bytes;
    }

    private static byte[] Header(DatasetColumns data)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write((byte)(data.Task == TaskKind.Classification ? 0 : 1));
            w.Write(data.Rows);
            w.Write(data.Width);
            w.Write(data.TargetColumn);
            WriteStrings(w, data.FeatureNames);
            WriteStrings(w, data.ClassNames ?? []);
            w.Write((byte)((data.Columns is null ? 0 : 1) | (data.SampleWeights is null ? 0 : 2)));
            foreach (var column in data.Columns ?? [])
            {
                w.Write((byte)column.Kind);
                WriteStrings(w, column.Levels ?? []);
            }
            if (data.SampleWeights is not null) w.Write(data.SampleWeightColumn ?? "");
        }
        return stream.ToArray();
    }

    public static DatasetContent Decode(byte[] bytes) => DecodeRows(bytes, 0, int.MaxValue);

    /// <summary>Rows <c>[offset, offset + count)</c> (clipped to the data); <see cref="DatasetContent.Rows"/> is the
    /// number returned.</summary>
    public static DatasetContent DecodeRows(byte[] bytes, int offset, int count)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (!r.ReadBytes(4).AsSpan().SequenceEqual(Magic)) throw new
                InvalidDataException("Not an encoded dataset (bad magic).");
            var version = r.ReadUInt16();
            if (version is < 1 or > Version) throw new
                InvalidDataException($"Encoded dataset version {version} is not supported (expected 1 to {Version}).");
            var task = r.ReadByte() switch { 0 => TaskKind.Classification, 1 => TaskKind.Regression, var t => throw new
                InvalidDataException($"Unknown task {t}.") };
            int rows = r.ReadInt32(), width = r.ReadInt32();
            var target = r.ReadString();
            var featureNames = ReadStrings(r);
            var classNames = ReadStrings(r);
            byte flags = version >= 2 ? r.ReadByte() : (byte)0;
            RawColumn[]? columns = null;
            if ((flags & 1) != 0)
            {
                if (width < 1 || featureNames.Length != width) throw new
                    InvalidDataException("Encoded dataset sizes do not match its length.");
                columns = new RawColumn[width];
                for (int c = 0; c < width; c++)
                {
                    var kind = (ColumnKind)r.ReadByte();
                    var levels = ReadStrings(r);
                    columns[c] = new RawColumn(featureNames[c], kind, kind == ColumnKind.Categorical ? levels : null);
                }
            }
            string? weightColumn = (flags & 2) != 0 ? r.ReadString() : null;
            if (rows < 0 || width < 1 || featureNames.Length != width) throw new
                InvalidDataException("Encoded dataset sizes do not match its length.");
            int first = Math.Clamp(offset, 0, rows), n = Math.Clamp(rows - first, 0, count);
            var data = bytes.AsSpan((int)stream.Position);
            var features = new float[(long)n * width];
            var tail = new float[n];
            float[]? weights = weightColumn is null ? null : new float[n];
            if (version >= 3) ReadColumns(data, rows, width, first, features, tail, weights);
            else ReadRows(data, rows, width, first, features, tail, weights, task == TaskKind.Classification);

            if (task == TaskKind.Classification)
            {
                var labels = new int[n];
                for (int i = 0; i < n; i++)
                    labels[i] = tail[i] is var l && l >= 0 && l < classNames.Length && l == MathF.Floor(l) ? (int)l
                        : throw new InvalidDataException("Encoded dataset has a label outside its classes.");
                return new DatasetContent(task, n, width, features, labels, null, featureNames, target, classNames)
                    { Columns = columns, SampleWeights = weights, SampleWeightColumn = weightColumn };
            }
            return new DatasetContent(task, n, width, features, null, tail, featureNames, target, null)
                { Columns = columns, SampleWeights = weights, SampleWeightColumn = weightColumn };
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Encoded dataset is truncated.", e);
        }
    }

    /// <summary>Version 3: column after column; each read for rows <c>[first, first + tail.Length)</c>.</summary>
    private static void ReadColumns(ReadOnlySpan<byte> data, int rows, int width, int first, float[] features, float[]
        tail, float[]? weights)
    {
        int n = tail.Length, at = 0;
        var values = new float[n];
        for (int c = 0; c < width + 1 + (weights is null ? 0 : 1); c++)
        {
            var destination = c < width ? values : c == width ? tail : weights!;
            at = ReadColumn(data, at, rows, first, destination);
            if (c < width)
                for (int i = 0; i < n; i++) features[(long)i * width + c] = values[i];
        }
        if (at != data.Length) throw new InvalidDataException("Encoded dataset sizes do not match its length.");
    }

    private static int ReadColumn(ReadOnlySpan<byte> data, int at, int rows, int first, Span<float> destination)
    {
        if (at >= data.Length) throw new InvalidDataException("Encoded dataset is truncated.");
        int cellBytes = data[at++];
        ReadOnlySpan<float> dictionary = default;
        if (cellBytes != 0)
        {
            if (cellBytes is not (1 or 2 or 4) || at + 4 > data.Length) throw new
                InvalidDataException("Encoded dataset has a bad column.");
            int entries = BinaryPrimitives.ReadInt32LittleEndian(data[at..]);
            if (entries < 0 || entries > (data.Length - at - 4) / 4) throw new
                InvalidDataException("Encoded dataset has a bad column.");
            dictionary = MemoryMarshal.Cast<byte, float>(data.Slice(at + 4, entries * 4));
            at += 4 + entries * 4;
        }
        int size = cellBytes == 0 ? 4 : cellBytes;
        if ((long)rows * size > data.Length - at) throw new InvalidDataException("Encoded dataset is truncated.");
        var cells = data.Slice(at + first * size, destination.Length * size);
        switch (cellBytes)
        {
            case 0: MemoryMarshal.Cast<byte, float>(cells).CopyTo(destination); break;
            case 1: for (int i = 0; i < destination.Length; i++) destination[i] = Entry(dictionary, cells[i]); break;
            case 2: for (int i = 0; i < destination.Length; i++) destination[i] = Entry(dictionary,
                BinaryPrimitives.ReadUInt16LittleEndian(cells[(i * 2)..])); break;
            default: for (int i = 0; i < destination.Length; i++) destination[i] = Entry(dictionary,
                BinaryPrimitives.ReadInt32LittleEndian(cells[(i * 4)..])); break;
        }
        return at + rows * size;
    }

    private static float Entry(ReadOnlySpan<float> dictionary, int code) =>
        (uint)code < (uint)dictionary.Length ? dictionary[code] : throw new
            InvalidDataException("Encoded dataset has a code outside its dictionary.");

    /// <summary>Versions 1 and 2: features row by row, then the labels or targets, then the weights.</summary>
    private static void ReadRows(ReadOnlySpan<byte> data, int rows, int width, int first, float[] features, float[]
        tail, float[]? weights, bool labels)
    {
        int n = tail.Length, perRow = weights is null ? width + 1 : width + 2;
        if (data.Length != (long)rows * perRow * 4) throw new
            InvalidDataException("Encoded dataset sizes do not match its length.");
        MemoryMarshal.Cast<byte, float>(data.Slice(first * width * 4, n * width * 4)).CopyTo(features);
        var end = data.Slice(rows * width * 4 + first * 4, n * 4);
        if (labels)
            for (int i = 0; i < n; i++) tail[i] = BinaryPrimitives.ReadInt32LittleEndian(end[(i * 4)..]);
        else MemoryMarshal.Cast<byte, float>(end).CopyTo(tail);
        if (weights is not null) MemoryMarshal.Cast<byte, float>(data.Slice(rows * (width + 1) * 4 + first * 4, n *
            4)).CopyTo(weights);
    }

    private static void WriteStrings(BinaryWriter w, IReadOnlyList<string> values)
    {
        w.Write(values.Count);
        foreach (var v in values) w.Write(v);
    }

    private static string[] ReadStrings(BinaryReader r)
    {
        int count = r.ReadInt32();
        if (count < 0 || count > r.BaseStream.Length) throw new
            InvalidDataException("Encoded dataset has a bad name count.");
        var values = new string[count];
        for (int i = 0; i < count; i++) values[i] = r.ReadString();
        return values;
    }
}
