using System.Runtime.InteropServices;
using System.Text;

namespace Backprop.Api.Datasets;

/// <summary>
/// Compact, versioned binary form of a <see cref="DatasetContent"/>, little-endian: <c>"BPDS" | u16 version | u8 task
/// (0 classification, 1 regression) | i32 rows | i32 width | string targetColumn | i32 n, n × string featureNames | i32
/// c, c × string classNames | f32 features (rows, width) | i32 labels (rows) or f32 targets (rows)</c>, strings as <see
/// cref="BinaryWriter"/> writes them (7-bit length prefix, UTF-8). The fixed layout lets a preview read only the rows
/// it shows. Version 2 adds, after classNames, <c>u8 flags (1 = column kinds, 2 = sample weights) | width × (u8 kind,
/// i32 n, n × string level) | string sampleWeightColumn</c> (each when flagged), and after the labels or targets <c>f32
/// sample weights (rows)</c>.
/// </summary>
public static class DatasetContentCodec
{
    private static ReadOnlySpan<byte> Magic => "BPDS"u8;
    public const ushort Version = 2;

    public static byte[] Encode(DatasetContent data)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException(
            "The dataset codec writes little-endian data.");
        using var stream = new MemoryStream(64 + data.Features.Length * 4 + data.Rows * 4);
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
            w.Write(MemoryMarshal.AsBytes(data.Features.AsSpan()));
            if (data.Labels is not null) w.Write(MemoryMarshal.AsBytes(data.Labels.AsSpan()));
            else w.Write(MemoryMarshal.AsBytes(data.Targets.AsSpan()));
            if (data.SampleWeights is not null) w.Write(MemoryMarshal.AsBytes(data.SampleWeights.AsSpan()));
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
            if (!r.ReadBytes(4).AsSpan().SequenceEqual(Magic)) throw new InvalidDataException(
                "Not an encoded dataset (bad magic).");
            var version = r.ReadUInt16();
            if (version is < 1 or > Version) throw new InvalidDataException(
                $"Encoded dataset version {version} is not supported (expected 1 to {Version}).");
            var task = r.ReadByte() switch { 0 => TaskKind.Classification, 1 => TaskKind.Regression, var t =>
                throw new InvalidDataException($"Unknown task {t}.") };
            int rows = r.ReadInt32(), width = r.ReadInt32();
            var target = r.ReadString();
            var featureNames = ReadStrings(r);
            var classNames = ReadStrings(r);
            byte flags = version >= 2 ? r.ReadByte() : (byte)0;
            RawColumn[]? columns = null;
            if ((flags & 1) != 0)
            {
                if (width < 1 || featureNames.Length != width) throw new InvalidDataException(
                    "Encoded dataset sizes do not match its length.");
                columns = new RawColumn[width];
                for (int c = 0; c < width; c++)
                {
                    var kind = (ColumnKind)r.ReadByte();
                    var levels = ReadStrings(r);
                    columns[c] = new RawColumn(featureNames[c], kind, kind == ColumnKind.Categorical ? levels : null);
                }
            }
            string? weightColumn = (flags & 2) != 0 ? r.ReadString() : null;
            long dataStart = stream.Position;
            int perRow = weightColumn is null ? width + 1 : width + 2;
            if (rows < 0 || width < 1 || featureNames.Length != width || bytes.Length - dataStart != (long)rows
                * perRow * 4)
                throw new InvalidDataException("Encoded dataset sizes do not match its length.");

            int first = Math.Clamp(offset, 0, rows), n = Math.Clamp(rows - first, 0, count);
            var features = MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)dataStart + first * width * 4, n * width
                * 4)).ToArray();
            var tail = bytes.AsSpan((int)dataStart + rows * width * 4 + first * 4, n * 4);
            float[]? weights = weightColumn is null ? null
                : MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)dataStart + rows * (width + 1) * 4 + first * 4,
                    n * 4)).ToArray();
            if (task == TaskKind.Classification)
            {
                var labels = MemoryMarshal.Cast<byte, int>(tail).ToArray();
                if (labels.Any(l => (uint)l >= (uint)classNames.Length)) throw new InvalidDataException(
                    "Encoded dataset has a label outside its classes.");
                return new DatasetContent(task, n, width, features, labels, null, featureNames, target, classNames)
                    { Columns = columns, SampleWeights = weights, SampleWeightColumn = weightColumn };
            }
            return new DatasetContent(task, n, width, features, null, MemoryMarshal.Cast<byte, float>(tail).ToArray(),
                featureNames, target, null)
                { Columns = columns, SampleWeights = weights, SampleWeightColumn = weightColumn };
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Encoded dataset is truncated.", e);
        }
    }

    private static void WriteStrings(BinaryWriter w, IReadOnlyList<string> values)
    {
        w.Write(values.Count);
        foreach (var v in values) w.Write(v);
    }

    private static string[] ReadStrings(BinaryReader r)
    {
        int count = r.ReadInt32();
        if (count < 0 || count > r.BaseStream.Length) throw new InvalidDataException(
            "Encoded dataset has a bad name count.");
        var values = new string[count];
        for (int i = 0; i < count; i++) values[i] = r.ReadString();
        return values;
    }
}
