namespace Backprop.Core.Training;

/// <summary>
/// Applies one update to the flat parameter buffer. Rules follow the PyTorch documentation
/// (https://pytorch.org/docs/stable/optim.html: SGD, Adam, AdamW, RMSprop), per segment: each layer's weights
/// (learning-rate multiplier, weight decay) and biases (multiplier, never decayed).
/// </summary>
public sealed class Optimizer
{
    private readonly Segment[] _segments;

    private readonly Segment[] _parts;
    private readonly Block[] _blocks;
    private readonly double[] _blockSquares;

    private readonly record struct Segment(int Offset, int Length, float LearningRateMultiplier, bool Decays);

    // Elements [Start, Start + Length) of part Part (a layer's weights or biases) for the fused pass.
    private readonly record struct Block(int Part, int Start, int Length);

    /// <summary>An optimizer with zeroed state for a network's layout.</summary>
    public Optimizer(OptimizerSettings settings, NetworkSpec spec, ParameterLayout layout)
    {
        Settings = settings;
        var segments = new List<Segment>();
        for (int l = 0; l < layout.LayerCount; l++)
        {
            var view = layout[l];
            float multiplier = (float)spec.Layers[l].LearningRateMultiplier;
            Add(new(view.WeightOffset, view.WeightCount, multiplier, settings.WeightDecay != 0));
            Add(new(view.BiasOffset, view.Units, (float)(spec.Layers[l].LearningRateMultiplier * spec.Layers[l]
                .BiasLearningRateMultiplier), false));
        }
        _segments = segments.ToArray();

        // For the pass that also returns the gradient norms: every layer's weights and biases apart (part 2l and
        // 2l + 1), cut into the blocks ElementWise.BlockedSumOfSquares sums, in the buffer's order. (Last layer
        // first measured 5 % slower on W3: the first layer's gradient, the last one the backward pass wrote, is then
        // no longer in cache when its turn comes.)
        _parts = new Segment[2 * layout.LayerCount];
        var blocks = new List<Block>();
        for (int l = 0; l < layout.LayerCount; l++)
        {
            var view = layout[l];
            var layer = spec.Layers[l];
            _parts[2 * l] = new(view.WeightOffset, view.WeightCount, (float)layer.LearningRateMultiplier,
                settings.WeightDecay != 0);
            _parts[2 * l + 1] = new(view.BiasOffset, view.Units, (float)(layer.LearningRateMultiplier
                * layer.BiasLearningRateMultiplier), false);
            for (int part = 2 * l; part <= 2 * l + 1; part++)
                for (int start = 0; start < _parts[part].Length; start += ElementWise.SquaresBlock)
                    blocks.Add(new(part, start, Math.Min(ElementWise.SquaresBlock, _parts[part].Length - start)));
        }
        _blocks = blocks.ToArray();
        _blockSquares = new double[_blocks.Length];

        // Adjacent segments under the same rule (same multiplier, both decayed or neither) are one pass: without
        // weight decay and per-layer rates the whole buffer is a single loop.
        void Add(Segment next)
        {
            if (segments.Count > 0 && segments[^1] is var previous && previous.Offset + previous.Length == next.Offset
                && previous.LearningRateMultiplier == next.LearningRateMultiplier && previous.Decays == next.Decays)
                segments[^1] = previous with { Length = previous.Length + next.Length };
            else
                segments.Add(next);
        }
        First = settings.Kind is OptimizerKind.Sgd ? [] : new float[layout.Count];
        Second = settings.Kind is OptimizerKind.Adam or OptimizerKind.AdamW or OptimizerKind.RmsProp
            ? new float[layout.Count] : [];
    }

    /// <summary>The rule and hyper-parameters.</summary>
    public OptimizerSettings Settings { get; }

    /// <summary>Number of updates applied so far (t of Adam's bias correction).</summary>
    public long Step { get; private set; }

    /// <summary>Momentum buffer b (SGD family, RMSProp with momentum) or Adam's first moment m; flat layout.</summary>
    public float[] First { get; }

    /// <summary>Adam's second moment v or RMSProp's square average; flat layout.</summary>
    public float[] Second { get; }

    /// <summary>Copies the state (step and moments) from a snapshot of the same shape.</summary>
    public void RestoreState(long step, ReadOnlySpan<float> first, ReadOnlySpan<float> second)
    {
        if (first.Length != First.Length || second.Length != Second.Length)
            throw new ArgumentException("Optimizer state does not match this optimizer's shape.");
        Step = step;
        first.CopyTo(First);
        second.CopyTo(Second);
    }

    /// <summary>Applies one update with base learning rate <paramref name="learningRate"/> (the schedule's current
    /// value). With <paramref name="threads"/> &gt; 1 a large buffer is updated in parallel chunks; every rule is
    /// element-wise, so the result is bit-identical to one thread.</summary>
    public void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, double learningRate, int threads = 1)
    {
        if (parameters.Length != gradient.Length) throw new ArgumentException(
            "Parameters and gradient differ in length.");
        Step++;
        if (threads > 1 && parameters.Length >= ParallelMinimum)
        {
            ApplyInParallel(parameters, gradient, learningRate, threads);
            return;
        }
        foreach (var s in _segments) ApplyRule(s, parameters, gradient, learningRate, 0, s.Length);
    }

    /// <summary>
    /// <see cref="Apply"/>, and the squared norm of each layer's weight and bias gradients into <paramref
    /// name="squaredNorms"/> (<c>2l</c> weights, <c>2l + 1</c> biases of layer l), each exactly <see
    /// cref="ElementWise.BlockedSumOfSquares"/> of that part. Adam and AdamW compute the norms in the update's own
    /// pass (one read of the gradient instead of two), on any number of threads with the same bits; the other rules
    /// sum first, then update.
    /// </summary>
    public void ApplyWithSquaredNorms(Span<float> parameters, ReadOnlySpan<float> gradient, double learningRate,
        int threads, Span<double> squaredNorms)
    {
        if (parameters.Length != gradient.Length) throw new ArgumentException(
            "Parameters and gradient differ in length.");
        if (squaredNorms.Length != _parts.Length) throw new ArgumentException(
            $"Expected {_parts.Length} squared norms (two per layer).", nameof(squaredNorms));
        if (Settings.Kind is not (OptimizerKind.Adam or OptimizerKind.AdamW))
        {
            for (int part = 0; part < _parts.Length; part++)
                squaredNorms[part] = ElementWise.BlockedSumOfSquares(gradient.Slice(_parts[part].Offset,
                    _parts[part].Length));
            Apply(parameters, gradient, learningRate, threads);
            return;
        }
        Step++;
        if (threads > 1 && parameters.Length >= ParallelMinimum) AdamBlocksInParallel(parameters, gradient,
            learningRate, threads);
        else
            for (int i = 0; i < _blocks.Length; i++) AdamBlock(i, parameters, gradient, learningRate);
        // Each part's blocks are listed in order, so this adds them up as BlockedSumOfSquares does.
        squaredNorms.Clear();
        for (int i = 0; i < _blocks.Length; i++) squaredNorms[_blocks[i].Part] += _blockSquares[i];
    }

    private unsafe void AdamBlocksInParallel(Span<float> parameters, ReadOnlySpan<float> gradient,
        double learningRate, int threads)
    {
        fixed (float* p = parameters, g = gradient)
        {
            var (pp, gp, length) = ((nint)p, (nint)g, parameters.Length);
            // A few runs of consecutive blocks per thread, as Apply's ranges: one block at a time each thread would
            // stream every other 64 KB (measured 183 against 121 µs for W3 on two threads).
            int blocks = _blocks.Length, chunks = Math.Min(blocks, 4 * threads);
            ComputeTeam.ForEachChunk(threads, chunks, chunk =>
            {
                var ps = new Span<float>((float*)pp, length);
                var gs = new ReadOnlySpan<float>((float*)gp, length);
                for (int block = blocks * chunk / chunks; block < blocks * (chunk + 1) / chunks; block++)
                    AdamBlock(block, ps, gs, learningRate);
            });
        }
    }

    private void AdamBlock(int index, Span<float> parameters, ReadOnlySpan<float> gradient, double learningRate)
    {
        var (part, start, count) = _blocks[index];
        var s = _parts[part];
        int offset = s.Offset + start;
        _blockSquares[index] = OptimizerRules.Adam(parameters.Slice(offset, count), gradient.Slice(offset, count),
            First.AsSpan(offset, count), Second.AsSpan(offset, count), learningRate * s.LearningRateMultiplier,
            s.Decays ? (float)Settings.WeightDecay : 0f, Settings.Kind == OptimizerKind.AdamW, Settings.Beta1,
            Settings.Beta2, Settings.Epsilon, Step);
    }

    // Below this many parameters an update takes microseconds and fork/join would cost more than it saves.
    private const int ParallelMinimum = 1 << 18;

    private unsafe void ApplyInParallel(Span<float> parameters, ReadOnlySpan<float> gradient, double learningRate,
        int threads)
    {
        fixed (float* p = parameters, g = gradient)
        {
            var (pp, gp, length) = ((nint)p, (nint)g, parameters.Length);
            // A few chunks per thread, from a shared counter (a thread that is not scheduled holds up one chunk).
            int chunks = 4 * threads;
            ComputeTeam.ForEachChunk(threads, chunks, chunk =>
            {
                var ps = new Span<float>((float*)pp, length);
                var gs = new ReadOnlySpan<float>((float*)gp, length);
                foreach (var s in _segments)
                {
                    int from = (int)((long)s.Length * chunk / chunks),
                        to = (int)((long)s.Length * (chunk + 1) / chunks);
                    if (to > from) ApplyRule(s, ps, gs, learningRate, from, to - from);
                }
            });
        }
    }

    // The rule of this optimizer on elements [start, start + count) of one segment.
    private void ApplyRule(Segment s, Span<float> parameters, ReadOnlySpan<float> gradient, double learningRate,
        int start, int count)
    {
        int offset = s.Offset + start;
        var p = parameters.Slice(offset, count);
        var g = gradient.Slice(offset, count);
        double lr = learningRate * s.LearningRateMultiplier;
        float decay = s.Decays ? (float)Settings.WeightDecay : 0f;
        switch (Settings.Kind)
        {
            case OptimizerKind.Sgd: OptimizerRules.Sgd(p, g, (float)lr, decay); break;
            case OptimizerKind.Momentum or OptimizerKind.Nesterov:
                OptimizerRules.SgdMomentum(p, g, First.AsSpan(offset, count), (float)lr, decay,
                    (float)Settings.EffectiveMomentum,
                    (float)Settings.Dampening, Settings.Kind == OptimizerKind.Nesterov, Step == 1);
                break;
            case OptimizerKind.Adam or OptimizerKind.AdamW:
                OptimizerRules.Adam(p, g, First.AsSpan(offset, count), Second.AsSpan(offset, count), lr, decay,
                    Settings.Kind == OptimizerKind.AdamW, Settings.Beta1, Settings.Beta2, Settings.Epsilon, Step);
                break;
            case OptimizerKind.RmsProp:
                OptimizerRules.RmsProp(p, g, Second.AsSpan(offset, count), First.AsSpan(offset, count), (float)lr,
                    decay, Settings.Alpha, (float)Settings.Epsilon, (float)Settings.EffectiveMomentum);
                break;
        }
    }
}
