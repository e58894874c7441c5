using System.Runtime.InteropServices;

namespace Backprop.Core.Models;

/// <summary>Little-endian binary encoding of the core's records, shared by the model and snapshot formats.</summary>
internal static class BinaryCodec
{
    private const int LayerBytes = 2 * sizeof(int) + 3 * sizeof(double);

    public static void WriteSpec(BinaryWriter w, NetworkSpec spec)
    {
        w.Write(spec.InputWidth);
        w.Write((int)spec.Loss);
        w.Write((int)spec.Init);
        w.Write(spec.Seed);
        w.Write(spec.HuberDelta);
        w.Write(spec.Layers.Count);
        foreach (var l in spec.Layers)
        {
            w.Write(l.Units);
            w.Write((int)l.Activation);
            w.Write(l.LearningRateMultiplier);
            w.Write(l.L2);
            // One slot for the activation's parameter (ELU's α, else the slope): models written before ELU had its own
            // α stored it in the slope, so they read back with the α they were trained with.
            w.Write(l.ActivationParameter);
            w.Write(l.BiasLearningRateMultiplier);
        }
        w.Write(spec.InputDropout);
        foreach (var l in spec.Layers) w.Write(l.Dropout);
    }

    /// <summary>Reads a spec written by <see cref="WriteSpec"/>; <paramref name="version"/> 1 predates the bias
    /// multiplier and versions below 4 predate dropout (read as none).</summary>
    public static NetworkSpec ReadSpec(BinaryReader r, int version)
    {
        int input = r.ReadInt32();
        var loss = (LossKind)r.ReadInt32();
        var init = (InitKind)r.ReadInt32();
        ulong seed = r.ReadUInt64();
        double huber = r.ReadDouble();
        int count = CheckedCount(r, r.ReadInt32(), 100_000, LayerBytes);
        var layers = new LayerSpec[count];
        for (int i = 0; i < count; i++)
            layers[i] = LayerSpec.WithActivationParameter(r.ReadInt32(), (ActivationKind)r.ReadInt32(), r.ReadDouble(),
                r.ReadDouble(), r.ReadDouble(), version >= 2 ? r.ReadDouble() : 1.0);
        if (version < 4) return new NetworkSpec(input, layers, loss, init, seed, huber);
        double inputDropout = r.ReadDouble();
        for (int i = 0; i < count; i++) layers[i] = layers[i] with { Dropout = r.ReadDouble() };
        return new NetworkSpec(input, layers, loss, init, seed, huber, inputDropout);
    }

    public static void WriteOptions(BinaryWriter w, TrainingOptions o)
    {
        w.Write(o.Epochs); w.Write(o.BatchSize);
        var p = o.Optimizer;
        w.Write((int)p.Kind); w.Write(p.LearningRate); w.Write(p.EffectiveMomentum); w.Write(p.Beta1); w.Write(p.Beta2);
        w.Write(p.Epsilon); w.Write(p.WeightDecay); w.Write(p.Alpha); w.Write(p.Dampening);
        var s = o.Schedule;
        w.Write((int)s.Kind); w.Write(s.StepSize); w.Write(s.Gamma); w.Write(s.CosineEpochs ?? -1); w.Write(
            s.MinLearningRate);
        w.Write(s.Factor); w.Write(s.Patience); w.Write(s.Threshold); w.Write(s.Cooldown);
        w.Write(o.ValidationFraction);
        w.Write(o.EarlyStopping is not null);
        if (o.EarlyStopping is { } e) { w.Write((int)e.Monitor); w.Write(e.Patience); w.Write(e.MinDelta); w.Write(
            e.RestoreBestWeights); }
        w.Write((int)o.Normalization); w.Write(o.StandardizeTargets);
        w.Write(o.ClipGradientNorm ?? -1); w.Write(o.Shuffle);
        w.Write(o.Seed.HasValue); w.Write(o.Seed ?? 0);
        w.Write(o.Threads);
        // Snapshot version 3 on.
        var prep = o.Preparation;
        w.Write((int)prep.Imputation); w.Write(prep.MissingIndicators); w.Write(prep.MinLevelCount); w.Write(
            (int)prep.UnseenLevels);
        w.Write(o.ClassWeights is null ? (byte)0 : o.ClassWeights.Balanced ? (byte)1 : (byte)2);
        if (o.ClassWeights is { Balanced: false } cw) WriteDoubles(w, [.. cw.Weights ?? []]);
    }

    /// <summary>The cross-validation fold, written after the options by snapshot format 4 and later.</summary>
    public static void WriteFold(BinaryWriter w, CrossValidationFold? f)
    {
        w.Write(f is not null);
        if (f is null) return;
        w.Write(f.Index); w.Write(f.Count); w.Write(f.Stratified); w.Write(f.ShuffleSeed);
    }

    public static CrossValidationFold? ReadFold(BinaryReader r) =>
        r.ReadBoolean() ? new CrossValidationFold(r.ReadInt32(), r.ReadInt32(), r.ReadBoolean(), r.ReadUInt64()) : null;

    /// <summary>Options as <see cref="WriteOptions"/> wrote them; snapshots before version 3 have no preparation or
    /// class weights.</summary>
    public static TrainingOptions ReadOptions(BinaryReader r, int version)
    {
        int epochs = r.ReadInt32(), batch = r.ReadInt32();
        var optimizer = new OptimizerSettings((OptimizerKind)r.ReadInt32(), r.ReadDouble(), r.ReadDouble(),
            r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble());
        var kind = (ScheduleKind)r.ReadInt32();
        int stepSize = r.ReadInt32(); double gamma = r.ReadDouble(); int cosine = r.ReadInt32(); double min =
            r.ReadDouble();
        var schedule = new ScheduleSettings(kind, stepSize, gamma, cosine < 0 ? null : cosine, min, r.ReadDouble(),
            r.ReadInt32(), r.ReadDouble(), r.ReadInt32());
        double validation = r.ReadDouble();
        EarlyStoppingSettings? early = r.ReadBoolean()
            ? new EarlyStoppingSettings((MonitoredMetric)r.ReadInt32(), r.ReadInt32(), r.ReadDouble(), r.ReadBoolean())
                : null;
        var normalization = (NormalizationKind)r.ReadInt32();
        bool standardize = r.ReadBoolean();
        double clip = r.ReadDouble();
        bool shuffle = r.ReadBoolean();
        bool hasSeed = r.ReadBoolean(); ulong seed = r.ReadUInt64();
        int threads = r.ReadInt32();
        var preparation = new PreparationSettings();
        ClassWeighting? classWeights = null;
        if (version >= 3)
        {
            preparation = new PreparationSettings((ImputationKind)r.ReadInt32(), r.ReadBoolean(), r.ReadInt32(),
                (UnseenLevelPolicy)r.ReadInt32());
            classWeights = r.ReadByte() switch
            {
                0 => null,
                1 => new ClassWeighting(true),
                2 => new ClassWeighting(false, ReadDoubles(r)),
                var b => throw new InvalidDataException($"Unknown class weighting {b}."),
            };
        }
        return new TrainingOptions
        {
            Preparation = preparation, ClassWeights = classWeights,
            Epochs = epochs, BatchSize = batch, Optimizer = optimizer, Schedule = schedule,
                ValidationFraction = validation,
            EarlyStopping = early, Normalization = normalization, StandardizeTargets = standardize,
            ClipGradientNorm = clip < 0 ? null : clip, Shuffle = shuffle, Seed = hasSeed ? seed : null,
                Threads = threads,
        };
    }

    public static void WritePreparation(BinaryWriter w, TabularPreparation? p)
    {
        w.Write(p is not null);
        if (p is null) return;
        var s = p.Settings;
        w.Write((int)s.Imputation); w.Write(s.MissingIndicators); w.Write(s.MinLevelCount); w.Write(
            (int)s.UnseenLevels);
        w.Write(p.Columns.Count);
        foreach (var c in p.Columns)
        {
            w.Write(c.Name); w.Write((int)c.Kind); w.Write(c.Fill); w.Write(c.Indicator); w.Write(c.MissingLevel);
            WriteStrings(w, c.Levels);
            WriteStrings(w, c.Grouped);
        }
    }

    public static TabularPreparation? ReadPreparation(BinaryReader r)
    {
        if (!r.ReadBoolean()) return null;
        var settings = new PreparationSettings((ImputationKind)r.ReadInt32(), r.ReadBoolean(), r.ReadInt32(),
            (UnseenLevelPolicy)r.ReadInt32());
        var columns = new PreparedColumn[CheckedCount(r, r.ReadInt32(), 10_000_000, 16)];
        for (int i = 0; i < columns.Length; i++)
        {
            string name = r.ReadString(); var kind = (ColumnKind)r.ReadInt32(); double fill =
                r.ReadDouble(); bool indicator = r.ReadBoolean(), missing = r.ReadBoolean();
            columns[i] = new PreparedColumn(name, kind, fill, indicator,
                ReadStrings(r) ?? throw new InvalidDataException("Missing levels."), ReadStrings(r)
                    ?? throw new InvalidDataException("Missing grouped levels."), missing);
        }
        return new TabularPreparation(columns, settings);
    }

    public static void WriteNormalizer(BinaryWriter w, Normalizer? n)
    {
        w.Write(n is not null);
        if (n is null) return;
        w.Write((int)n.Kind);
        WriteDoubles(w, n.Offsets);
        WriteDoubles(w, n.Scales);
    }

    public static Normalizer? ReadNormalizer(BinaryReader r) =>
        r.ReadBoolean() ? new Normalizer((NormalizationKind)r.ReadInt32(), ReadDoubles(r), ReadDoubles(r)) : null;

    public static void WriteFloats(BinaryWriter w, ReadOnlySpan<float> values)
    {
        w.Write(values.Length);
        w.Write(MemoryMarshal.AsBytes(values)); // little-endian on every supported platform
    }

    public static float[] ReadFloats(BinaryReader r)
    {
        int count = CheckedCount(r, r.ReadInt32(), Array.MaxLength / 4, sizeof(float));
        var values = new float[count];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        if (r.Read(bytes) != bytes.Length) throw new InvalidDataException("Unexpected end of data.");
        return values;
    }

    public static void WriteDoubles(BinaryWriter w, double[] values)
    {
        w.Write(values.Length);
        foreach (var v in values) w.Write(v);
    }

    public static double[] ReadDoubles(BinaryReader r)
    {
        var values = new double[CheckedCount(r, r.ReadInt32(), 10_000_000, sizeof(double))];
        for (int i = 0; i < values.Length; i++) values[i] = r.ReadDouble();
        return values;
    }

    public static void WriteStrings(BinaryWriter w, IReadOnlyList<string>? values)
    {
        w.Write(values?.Count ?? -1);
        if (values is not null) foreach (var v in values) w.Write(v);
    }

    public static string[]? ReadStrings(BinaryReader r)
    {
        int count = r.ReadInt32();
        if (count < 0) return null;
        var values = new string[CheckedCount(r, count, 10_000_000, 1)]; // each string has at least its length byte
        for (int i = 0; i < values.Length; i++) values[i] = r.ReadString();
        return values;
    }

    /// <summary>A count must also fit in the bytes left: otherwise a few corrupt bytes would allocate gigabytes before
    /// the data runs out.</summary>
    private static int CheckedCount(BinaryReader r, int count, int max, int elementBytes) =>
        count >= 0 && count <= max && (long)count * elementBytes <= Remaining(r) ? count
            : throw new InvalidDataException($"Invalid element count {count}.");

    private static long Remaining(BinaryReader r) => r.BaseStream.CanSeek ? r.BaseStream.Length - r.BaseStream.Position
        : long.MaxValue;
}
