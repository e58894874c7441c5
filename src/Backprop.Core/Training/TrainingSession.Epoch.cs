using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Core.Training;

public sealed partial class TrainingSession
{
    // One pass over the training split; returns a divergence reason, or null.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private string? TrainOneEpoch(double rate, CancellationToken cancellationToken)
    {
        int rows = _prepared.TrainRows, batchSize = _workspace.Capacity;
        int width = Spec.InputWidth, outputs = Spec.OutputWidth;
        if (Options.Shuffle) // without it the batches are read in place and no order is needed
            SplitMix64.Permutation(SplitMix64.Stream(ShuffleSeed, SplitMix64.Streams.ShuffleBase + (ulong)Epoch),
                _order, _keys, _orderScratch, _keyScratch);

        _trainMetrics.Reset();
        for (int l = 0; l < _weightNormSum.Length; l++) _weightNormSum[l] = _biasNormSum[l] = 0; // a few layers
        _activity.Reset();
        int batches = 0;
        var layout = Network.Layout;
        bool shuffled = Options.Shuffle;
        var dropout = _dropout;
        ulong dropoutSeed = dropout is null ? 0 : DropoutMasks<float>.EpochSeed(ShuffleSeed, Epoch), dropoutCounter = 0;
        // Large networks without clipping (which needs the norm before the update) take the norms from the update.
        bool fusedNorms = Options.ClipGradientNorm is null && _gradient.Length >= FusedNormsMinimum;
        for (int start = 0; start < rows; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, rows - start);
            ReadOnlySpan<float> x, y, weights = default;
            ReadOnlySpan<int> labels;
            if (shuffled)
            {
                GatherBatch(start, count, width, outputs);
                x = _batchX.AsSpan(0, count * width);
                y = _batchY.AsSpan(0, count * outputs);
                labels = _batchLabels;
                if (_batchW is not null) weights = _batchW.AsSpan(0, count);
            }
            else
            {
                // In order: the batch is a contiguous block of the prepared split, used in place.
                x = _prepared.TrainX.AsSpan(start * width, count * width);
                y = _prepared.TrainY.AsSpan(start * outputs, count * outputs);
                labels = _prepared.TrainLabels is { } all ? all.AsSpan(start, count) : default;
                if (_prepared.TrainW is { } w) weights = w.AsSpan(start, count);
            }

            dropout?.Draw(dropoutSeed, ref dropoutCounter, count);
            var output = Network.Forward(_workspace, x, count, dropout);
            double loss = Network.ComputeLoss(_workspace, y, count, weights);
            if (!double.IsFinite(loss)) return $"the training loss became {loss} in batch {batches + 1}";
            StartLoss ??= loss; // the loss at the initial weights: the first batch of the run
            if (loss > DivergenceGrowth * Math.Max(StartLoss.Value, DivergenceFloor))
                return $"the training loss grew to {loss:G4} in batch {batches + 1}, over {DivergenceGrowth:G0} " +
                    $"times its start ({StartLoss.Value:G4})";
            _trainMetrics.Add(loss, output, y, labels, count);
            _activity.Observe(_workspace.Z, count);
            Network.Backward(_workspace, x, y, count, _gradient, accumulate: false, dropout, weights);

            if (fusedNorms)
            {
                // One pass updates and sums the gradient's squares: a large gradient is read once, not twice. A
                // non-finite gradient is then found after the update, which the diverged epoch's rollback undoes.
                if (start + count >= rows && batches > 0) Network.Parameters.CopyTo(_beforeUpdate, 0);
                Optimizer.ApplyWithSquaredNorms(Network.Parameters, _gradient, rate, Options.Threads, _squaredNorms);
                if (!double.IsFinite(AddGradientNorms()))
                    return $"the gradient became non-finite in batch {batches + 1}";
                batches++;
                continue;
            }
            double squaredNorm = 0;
            for (int l = 0; l < layout.LayerCount; l++)
            {
                var view = layout[l];
                double w = ElementWise.BlockedSumOfSquares(_gradient.AsSpan(view.WeightOffset, view.WeightCount));
                double b = ElementWise.BlockedSumOfSquares(_gradient.AsSpan(view.BiasOffset, view.Units));
                _weightNormSum[l] += Math.Sqrt(w);
                _biasNormSum[l] += Math.Sqrt(b);
                squaredNorm += w + b;
            }
            if (!double.IsFinite(squaredNorm)) return $"the gradient became non-finite in batch {batches + 1}";
            if (Options.ClipGradientNorm is { } clip && Math.Sqrt(squaredNorm) is var norm && norm > clip)
                // as torch.nn.utils.clip_grad_norm_
                TensorPrimitives.Multiply(_gradient, (float)(clip / (norm + 1e-6)), _gradient);

            // The report's update ratio compares the weights before and after the last update; with one batch per
            // epoch that is the epoch-start copy already taken.
            bool last = start + count >= rows;
            if (last && batches > 0) Network.Parameters.CopyTo(_beforeUpdate, 0);
            Optimizer.Apply(Network.Parameters, _gradient, rate, Options.Threads);
            batches++;
        }
        _batchCount = batches;
        return null;
    }

    // Below this many parameters the gradient stays in cache between the norms and the update: a second read is
    // cheap there, and the plain per-layer sums cost less than the blocked pass's bookkeeping.
    private const int FusedNormsMinimum = 1 << 16;

    // Squared norms of each layer's weight (2l) and bias (2l + 1) gradients for this batch.
    private readonly double[] _squaredNorms;

    // Adds the fused pass's per-layer norms to the epoch's sums, as the separate pass in TrainOneEpoch does; returns
    // the whole gradient's squared norm.
    private double AddGradientNorms()
    {
        double squaredNorm = 0;
        for (int l = 0; l < _weightNormSum.Length; l++)
        {
            double w = _squaredNorms[2 * l], b = _squaredNorms[2 * l + 1];
            _weightNormSum[l] += Math.Sqrt(w);
            _biasNormSum[l] += Math.Sqrt(b);
            squaredNorm += w + b;
        }
        return squaredNorm;
    }

    // Parameters before the epoch's last update (see TrainOneEpoch).
    private float[] BeforeLastUpdate => _batchCount == 1 ? _epochStartParameters : _beforeUpdate;

    private int _batchCount;

    // Below this many floats per batch a copy takes a few microseconds, less than handing half of it to another thread.
    private const int ParallelGatherMinimum = 1 << 16;

    private void GatherBatch(int start, int count, int width, int outputs)
    {
        int threads = Math.Min(Options.Threads, count);
        if (threads <= 1 || (long)count * width < ParallelGatherMinimum)
            GatherRows(start, 0, count, width, outputs);
        else
            GatherInParallel(threads, start, count, width, outputs);
    }

    // Apart from GatherBatch: the lambda's captures would otherwise allocate on every batch, even one thread's.
    private void GatherInParallel(int threads, int start, int count, int width, int outputs)
    {
        int chunks = Math.Min(count, 4 * threads);
        ComputeTeam.ForEachChunk(threads, chunks, chunk => GatherRows(start, count * chunk / chunks,
            count * (chunk + 1) / chunks, width, outputs));
    }

    // Rows [from, to) of the batch starting at position start of this epoch's order. The rows come in shuffled order,
    // so each is likely a cache miss: asking for the row a few places ahead overlaps those misses instead of waiting
    // for them one at a time (with 128-byte rows, most of the gather was spent waiting).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void GatherRows(int start, int from, int to, int width, int outputs)
    {
        const int Ahead = 16; // rows of ~100 ns each in flight: 8 left W2's 100,000-row gather waiting on misses
        var labels = _prepared.TrainLabels;
        var rowWeights = _prepared.TrainW;
        if ((long)to * width > _batchX.Length || (long)to * outputs > _batchY.Length)
            throw new ArgumentOutOfRangeException(nameof(to), "The batch buffers hold fewer rows.");
        fixed (float* x = _prepared.TrainX, y = _prepared.TrainY, batchX = _batchX, batchY = _batchY)
        fixed (int* labelsAt = labels) // null without labels
        {
            for (int r = from; r < to; r++)
            {
                if (Sse.IsSupported && r + Ahead < to)
                {
                    int next = _order[start + r + Ahead];
                    float* nextX = x + (long)next * width;
                    Sse.Prefetch0(nextX);
                    if (width > 16) Sse.Prefetch0(nextX + 16); // the second cache line; longer rows stream on their own
                    Sse.Prefetch0(y + (long)next * outputs);
                    if (labelsAt != null) Sse.Prefetch0(labelsAt + next); // a miss of its own: 100,000 labels are 400 KB
                }
                int row = _order[start + r];
                CopyRow(x + (long)row * width, batchX + (long)r * width, width);
                CopyRow(y + (long)row * outputs, batchY + (long)r * outputs, outputs);
                if (labels is not null) _batchLabels[r] = labels[row];
                if (rowWeights is not null) _batchW![r] = rowWeights[row];
            }
        }
    }

    // A row of a few dozen floats copied inline: a memmove call per row and target cost more than the copy.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyRow(float* source, float* destination, int count)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + Vector256<float>.Count <= count; i += Vector256<float>.Count)
                Vector256.Store(Vector256.Load(source + i), destination + i);
        for (; i < count; i++) destination[i] = source[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Validate()
    {
        _validationMetrics.Reset();
        int width = Spec.InputWidth, outputs = Spec.OutputWidth;
        for (int start = 0; start < _prepared.ValidationRows; start += _workspace.Capacity)
        {
            int count = Math.Min(_workspace.Capacity, _prepared.ValidationRows - start);
            var x = _prepared.ValidationX.AsSpan(start * width, count * width);
            var y = _prepared.ValidationY.AsSpan(start * outputs, count * outputs);
            var output = Network.Forward(_workspace, x, count);
            double loss = Network.ComputeLoss(_workspace, y, count, _prepared.ValidationW is { } w ? w.AsSpan(start,
                count) : default);
            ReadOnlySpan<int> labels = _prepared.ValidationLabels is { } l ? l.AsSpan(start, count) : default;
            _validationMetrics.Add(loss, output, y, labels, count);
        }
    }

    // Observes the finished epoch (schedule, early stopping, completion) and returns its report. The report is
    // built last, straight into the caller's return value: it is a few hundred bytes, and each copy of it on the
    // way out showed in a tiny network's epoch.
    private EpochReport? FinishEpoch(double rate, long started)
    {
        bool hasValidation = _prepared.ValidationRows > 0;
        if (hasValidation) Validate();
        var layout = Network.Layout;
        var layers = _layerStatistics.AsSpan(0, layout.LayerCount);
        for (int l = 0; l < layers.Length; l++)
        {
            var view = layout[l];
            var after = Network.Weights(view);
            var before = BeforeLastUpdate.AsSpan(view.WeightOffset, view.WeightCount);
            var (squaredNorm, squaredDistance) = SquaredNormAndDistance(before, after);
            double weightNorm = Math.Sqrt(squaredNorm), updateNorm = Math.Sqrt(squaredDistance);
            var (_, biasDistance) = SquaredNormAndDistance(BeforeLastUpdate.AsSpan(view.BiasOffset, view.Units),
                Network.Biases(view));
            layers[l] = new LayerStatistics(l, _weightNormSum[l] / _batchCount, _biasNormSum[l] / _batchCount,
                weightNorm > 0 ? updateNorm / weightNorm : 0, Math.Sqrt(biasDistance),
                _activity.InactiveFraction(l), _activity.SaturatedFraction(l));
        }
        double trainLoss = _trainMetrics.MeanLoss;
        double? validationLoss = hasValidation ? _validationMetrics.MeanLoss : null;
        double? validationAccuracy = hasValidation ? _validationMetrics.Accuracy : null;
        AfterEpoch(trainLoss, validationLoss, validationAccuracy);
        var target = _prepared.TargetNormalizer;
        return new EpochReport(Epoch, trainLoss, validationLoss, _trainMetrics.Accuracy, validationAccuracy,
            _trainMetrics.Rmse(target), hasValidation ? _validationMetrics.Rmse(target) : null,
            _trainMetrics.R2(_prepared.TrainTargetVariance), hasValidation
                ? _validationMetrics.R2(_prepared.ValidationTargetVariance) : null,
            rate, new LayerStatisticsList(layers), Stopwatch.GetElapsedTime(started));
    }

    // (‖a‖², ‖a − b‖²) in one pass, in double.
    private static (double Norm, double Distance) SquaredNormAndDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double norm = 0, distance = 0;
        b = b.Slice(0, a.Length);
        for (int i = 0; i < a.Length; i++)
        {
            double x = a[i], d = x - b[i];
            norm += x * x;
            distance += d * d;
        }
        return (norm, distance);
    }

    private void AfterEpoch(double trainLoss, double? validationLoss, double? validationAccuracy)
    {
        double plateauMetric = validationLoss ?? trainLoss;
        _schedule.Observe(plateauMetric);
        if (Options.EarlyStopping is { } es && _earlyStopping is { } state)
        {
            double value = es.Monitor switch
            {
                MonitoredMetric.TrainLoss => trainLoss,
                MonitoredMetric.ValidationAccuracy => validationAccuracy ?? double.NaN,
                _ => validationLoss ?? double.NaN,
            };
            bool higherIsBetter = es.Monitor == MonitoredMetric.ValidationAccuracy;
            _earlyStopping = state = state.Observe(value, Epoch, es.MinDelta, higherIsBetter, Network.Parameters,
                es.RestoreBestWeights);
            if (state.BadEpochs > es.Patience)
            {
                if (es.RestoreBestWeights && state.BestParameters is { } best) best.CopyTo(Network.Parameters, 0);
                StopReason = Training.StopReason.EarlyStopped;
                StopMessage = $"early stopping at epoch {Epoch}: {Models.JsonNames.Of(es.Monitor)} did not improve " +
                    $"for {es.Patience} epochs after its best, {state.Best:G6} at epoch {state.BestEpoch}"
                    + (es.RestoreBestWeights ? "; restored the weights of that epoch." : ".");
                return;
            }
        }
        if (Epoch >= Options.Epochs)
        {
            StopReason = Training.StopReason.Completed;
            StopMessage = $"completed {Epoch} epochs.";
        }
    }
}

/// <summary>Early-stopping state: best monitored value, its epoch, epochs since, and (optionally) the best
/// weights.</summary>
public sealed record EarlyStoppingState(double Best, int BestEpoch, int BadEpochs, float[]? BestParameters)
{
    /// <summary>State before the first epoch.</summary>
    public static EarlyStoppingState Initial => new(double.NaN, 0, 0, null);

    internal EarlyStoppingState Observe(double value, int epoch, double minDelta, bool higherIsBetter,
        float[] parameters, bool keepWeights)
    {
        bool improved = BestEpoch == 0 || (higherIsBetter ? value > Best + minDelta : value < Best - minDelta);
        if (double.IsNaN(value)) improved = false;
        if (!improved) return this with { BadEpochs = BadEpochs + 1 };
        float[]? best = keepWeights ? (BestParameters ?? new float[parameters.Length]) : null;
        if (best is not null) parameters.CopyTo(best, 0);
        return new EarlyStoppingState(value, epoch, 0, best);
    }
}
