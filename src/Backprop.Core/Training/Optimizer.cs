namespace Backprop.Core.Training;

/// <summary>
/// Applies one update to the flat parameter buffer. Rules follow the PyTorch documentation
/// (https://pytorch.org/docs/stable/optim.html: SGD, Adam, AdamW, RMSprop), per segment: each layer's weights
/// (learning-rate multiplier, weight decay) and biases (multiplier, never decayed).
/// </summary>
public sealed class Optimizer
{
    private readonly Segment[] _segments;

    private readonly record struct Segment(int Offset, int Length, float LearningRateMultiplier, bool Decays);

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
