namespace Backprop.Core;

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
            segments.Add(new(view.WeightOffset, view.WeightCount, multiplier, true));
            segments.Add(new(view.BiasOffset, view.Units, multiplier, false));
        }
        _segments = segments.ToArray();
        First = settings.Kind is OptimizerKind.Sgd ? [] : new float[layout.Count];
        Second = settings.Kind is OptimizerKind.Adam or OptimizerKind.AdamW or OptimizerKind.RmsProp ? new float[layout.Count] : [];
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

    /// <summary>Applies one update with base learning rate <paramref name="learningRate"/> (the schedule's current value).</summary>
    public void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, double learningRate)
    {
        if (parameters.Length != gradient.Length) throw new ArgumentException("Parameters and gradient differ in length.");
        Step++;
        foreach (var s in _segments)
        {
            var p = parameters.Slice(s.Offset, s.Length);
            var g = gradient.Slice(s.Offset, s.Length);
            double lr = learningRate * s.LearningRateMultiplier;
            float decay = s.Decays ? (float)Settings.WeightDecay : 0f;
            switch (Settings.Kind)
            {
                case OptimizerKind.Sgd: OptimizerRules.Sgd(p, g, (float)lr, decay); break;
                case OptimizerKind.Momentum or OptimizerKind.Nesterov:
                    OptimizerRules.SgdMomentum(p, g, First.AsSpan(s.Offset, s.Length), (float)lr, decay, (float)Settings.Momentum,
                        (float)Settings.Dampening, Settings.Kind == OptimizerKind.Nesterov, Step == 1);
                    break;
                case OptimizerKind.Adam or OptimizerKind.AdamW:
                    OptimizerRules.Adam(p, g, First.AsSpan(s.Offset, s.Length), Second.AsSpan(s.Offset, s.Length), lr, decay,
                        Settings.Kind == OptimizerKind.AdamW, Settings.Beta1, Settings.Beta2, Settings.Epsilon, Step);
                    break;
                case OptimizerKind.RmsProp:
                    OptimizerRules.RmsProp(p, g, Second.AsSpan(s.Offset, s.Length), First.AsSpan(s.Offset, s.Length), (float)lr, decay,
                        Settings.Alpha, (float)Settings.Epsilon, (float)Settings.Momentum);
                    break;
            }
        }
    }
}
