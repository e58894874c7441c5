namespace Backprop.Core.Training;

/// <summary>
/// The complete state of a training run after a whole number of epochs: spec, options, weights, optimizer state
/// (moments and step count), RNG state (the counter-based shuffle seed and the epoch, which also fix the dropout
/// masks), schedule state and early-stopping state. The split and normalisation are recomputed from the same data and
/// seed on restore.
/// </summary>
public sealed record TrainingSnapshot(
    NetworkSpec Spec,
    TrainingOptions Options,
    int Epoch,
    ulong ShuffleSeed,
    float[] Parameters,
    OptimizerState Optimizer,
    ScheduleState Schedule,
    EarlyStoppingState? EarlyStopping,
    StopReason? StopReason,
    string? StopMessage,
    double? StartLoss = null)
{
    private const uint Magic = 0x504E5342; // "BSNP"
    // 2: layers carry the bias learning-rate multiplier; 3: options carry preparation settings and class weights; 4:
    // the spec carries the dropout rates and the options the cross-validation fold. Earlier versions still read. The
    // dropout masks' RNG needs no field of its own: it is counter-based on (ShuffleSeed, Epoch), both already here.
    private const int FormatVersion = 4;

    /// <summary>Compact binary form.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write(Magic); w.Write(FormatVersion);
            BinaryCodec.WriteSpec(w, Spec);
            BinaryCodec.WriteOptions(w, Options);
            BinaryCodec.WriteFold(w, Options.Fold);
            w.Write(Epoch); w.Write(ShuffleSeed);
            BinaryCodec.WriteFloats(w, Parameters);
            w.Write(Optimizer.Step);
            BinaryCodec.WriteFloats(w, Optimizer.First);
            BinaryCodec.WriteFloats(w, Optimizer.Second);
            w.Write(Schedule.CurrentRate); w.Write(Schedule.Best); w.Write(Schedule.BadEpochs); w.Write(
                Schedule.CooldownLeft);
            w.Write(EarlyStopping is not null);
            if (EarlyStopping is { } e)
            {
                w.Write(e.Best); w.Write(e.BestEpoch); w.Write(e.BadEpochs);
                w.Write(e.BestParameters is not null);
                if (e.BestParameters is not null) BinaryCodec.WriteFloats(w, e.BestParameters);
            }
            w.Write(StopReason.HasValue ? (int)StopReason.Value : -1);
            w.Write(StopMessage ?? "");
            // Appended: a snapshot written before it ends here and reads back with no start loss.
            w.Write(StartLoss.HasValue);
            w.Write(StartLoss ?? 0);
        }
        return stream.ToArray();
    }

    /// <summary>Reads the binary form.</summary>
    /// <exception cref="InvalidDataException">Not a snapshot, an unknown version, or truncated.</exception>
    public static TrainingSnapshot FromBytes(ReadOnlySpan<byte> bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes.ToArray()));
        try
        {
            if (r.ReadUInt32() != Magic) throw new InvalidDataException("Not a training snapshot.");
            int version = r.ReadInt32();
            if (version is < 1 or > FormatVersion) throw new InvalidDataException(
                $"Unsupported snapshot version {version}.");
            var spec = BinaryCodec.ReadSpec(r, version);
            var options = BinaryCodec.ReadOptions(r, version);
            if (version >= 4) options = options with { Fold = BinaryCodec.ReadFold(r) };
            int epoch = r.ReadInt32(); ulong seed = r.ReadUInt64();
            var parameters = BinaryCodec.ReadFloats(r);
            var optimizer = new OptimizerState(r.ReadInt64(), BinaryCodec.ReadFloats(r), BinaryCodec.ReadFloats(r));
            var schedule = new ScheduleState(r.ReadDouble(), r.ReadDouble(), r.ReadInt32(), r.ReadInt32());
            EarlyStoppingState? early = null;
            if (r.ReadBoolean())
            {
                double best = r.ReadDouble(); int bestEpoch = r.ReadInt32(), bad = r.ReadInt32();
                early = new EarlyStoppingState(best, bestEpoch, bad, r.ReadBoolean() ? BinaryCodec.ReadFloats(r)
                    : null);
            }
            int reason = r.ReadInt32();
            string message = r.ReadString();
            double? startLoss = null;
            if (r.BaseStream.Position < r.BaseStream.Length)
            {
                bool hasStart = r.ReadBoolean();
                double start = r.ReadDouble();
                if (hasStart) startLoss = start;
            }
            return new TrainingSnapshot(spec, options, epoch, seed, parameters, optimizer, schedule, early,
                reason < 0 ? null : (StopReason)reason, message.Length == 0 ? null : message, startLoss);
        }
        // past the end, or a string length that is negative or over-long
        catch (Exception e) when (e is IOException or FormatException)
        {
            throw new InvalidDataException("The snapshot is truncated or corrupt.", e);
        }
    }
}

public sealed partial class TrainingSession
{
    /// <summary>Captures the whole state after the last completed epoch (buffers are copied).</summary>
    public TrainingSnapshot Snapshot() => new(
        Spec, Options, Epoch, ShuffleSeed, (float[])Network.Parameters.Clone(),
        new OptimizerState(Optimizer.Step, (float[])Optimizer.First.Clone(), (float[])Optimizer.Second.Clone()),
        _schedule.State,
        _earlyStopping is { } e ? e with { BestParameters = (float[]?)e.BestParameters?.Clone() } : null,
        StopReason, StopMessage, StartLoss);

    /// <summary>Continues a run from a snapshot on the same data; the result equals the uninterrupted run bit for
    /// bit.</summary> <exception cref="InvalidTrainingOptionsException">The data does not fit the snapshot's
    /// network.</exception>
    public static TrainingSession Restore(TrainingSnapshot snapshot, TrainingData data)
    {
        if (snapshot.Options.Seed is null && snapshot.ShuffleSeed != snapshot.Spec.Seed)
            throw new InvalidDataException("Snapshot seed does not match its spec.");
        var session = new TrainingSession(snapshot.Spec, data, snapshot.Options, new WarmStart(snapshot.Parameters,
            snapshot.Optimizer))
        {
            Epoch = snapshot.Epoch,
            StopReason = snapshot.StopReason,
            StopMessage = snapshot.StopMessage,
            StartLoss = snapshot.StartLoss,
        };
        session._schedule.State = snapshot.Schedule;
        session._earlyStopping = snapshot.EarlyStopping is { } e
            ? e with { BestParameters = (float[]?)e.BestParameters?.Clone() } : null;
        return session;
    }
}
