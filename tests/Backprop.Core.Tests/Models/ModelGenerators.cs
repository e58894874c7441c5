using System.Globalization;
using System.Text;
using CsCheck;

namespace Backprop.Core.Tests.Models;

/// <summary>Random valid models and snapshots: small shapes, valid activation/loss pairs, and numbers from every corner
/// of the float/double formats (subnormals, negative zero, the largest finite values) so that the text forms must
/// round-trip exactly.</summary>
internal static class ModelGenerators
{
    private static readonly Gen<float> SpecialFloat = Gen.OneOf(0f, -0f, float.Epsilon, -float.Epsilon, float.MaxValue,
        float.MinValue,
        1.17549435E-38f /* smallest normal */, 1.1754942E-38f /* largest subnormal */, 1f, -1f, 0.1f, 16777217f);

    /// <summary>Any finite float32: random bit patterns, specials and ordinary weights.</summary>
    public static readonly Gen<float> FiniteFloat = Gen.Frequency(
        (3, Gen.UInt.Select(BitConverter.UInt32BitsToSingle).Where(float.IsFinite)),
        (2, SpecialFloat),
        (3, Gen.Float[-2f, 2f]));

    private static readonly Gen<double> SpecialDouble = Gen.OneOf(0.0, -0.0, double.Epsilon, -double.Epsilon,
        double.MaxValue, double.MinValue, 2.2250738585072014E-308, 1e-310, 1.0, -1.0, 0.1, 9007199254740993.0);

    /// <summary>Any finite double: random bit patterns, specials and ordinary values.</summary>
    public static readonly Gen<double> FiniteDouble = Gen.Frequency(
        (3, Gen.ULong.Select(BitConverter.UInt64BitsToDouble).Where(double.IsFinite)),
        (2, SpecialDouble),
        (3, Gen.Double[-10, 10]));

    /// <summary>Zero or positive (negative zero included, which the validator accepts as ≥ 0).</summary>
    private static readonly Gen<double> NonNegative = FiniteDouble.Select(d => d < 0 ? -d : d);
    private static readonly Gen<double> Positive = NonNegative.Where(d => d > 0);
    private static readonly Gen<double> NonZero = FiniteDouble.Where(d => d != 0);

    /// <summary>Valid UTF-16 text with quotes, backslashes, control characters, separators and astral code
    /// points.</summary>
    public static readonly Gen<string> Text = Gen.Frequency(
        (4, Gen.Char.AlphaNumeric.Select(c => c.ToString())),
        (2, Gen.OneOf("\"", "\\", ",", "\n", "\r\n", "\t", "\0", " ", "é", "中", "\u2028", "\uFEFF", "'", "{", "]")),
        (1, Gen.Int[0x80, 0xD7FF].Select(char.ConvertFromUtf32)),
        (1, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)))
        .Array[0, 8].Select(string.Concat);

    private static readonly Gen<ActivationKind> Hidden = Gen.OneOf(ActivationKind.Identity, ActivationKind.Sigmoid,
        ActivationKind.Tanh,
        ActivationKind.Relu, ActivationKind.LeakyRelu, ActivationKind.Elu, ActivationKind.Softplus);

    private static Gen<LayerSpec> Layer(Gen<ActivationKind> activation, Gen<int> units) =>
        Gen.Select(units, activation, Positive, NonNegative, NonNegative, (u, a, rate, l2, slope) =>
            a == ActivationKind.Elu ? new LayerSpec(u, a, rate, l2, Alpha: slope) : new LayerSpec(u, a, rate, l2,
                slope));

    /// <summary>Output layer with a loss that fits it.</summary>
    private static readonly Gen<(LayerSpec Layer, LossKind Loss)> Head = Gen.OneOf(
        Layer(Gen.Const(ActivationKind.Softmax), Gen.Int[2, 4]).Select(l => (l, LossKind.CategoricalCrossEntropy)),
        Layer(Gen.Const(ActivationKind.Sigmoid), Gen.Int[1, 3]).Select(l => (l, LossKind.BinaryCrossEntropy)),
        Layer(Hidden, Gen.Int[1, 3]).Select(l => (l, LossKind.MeanSquaredError)),
        Layer(Hidden, Gen.Int[1, 3]).Select(l => (l, LossKind.Huber)));

    public static readonly Gen<NetworkSpec> Spec =
        from input in Gen.Int[1, 5]
        from hidden in Layer(Hidden, Gen.Int[1, 5]).Array[0, 2]
        from head in Head
        from init in Gen.Enum<InitKind>()
        from seed in Gen.ULong
        from huber in Positive
        select new NetworkSpec(input, [.. hidden, head.Layer], head.Loss, init, seed, huber);

    // Names are matched by name, so a model with a repeated one is refused on import; any text, made unique by its
    // position.
    private static Gen<string[]> Unique(Gen<string[]> names) => names.Select(a => a.Select((n, i) => $"{n}#{i}")
        .ToArray());

    private static Gen<Normalizer> Normalizer(int width) =>
        Gen.Select(Gen.Enum<NormalizationKind>(), FiniteDouble.Array[width], NonZero.Array[width], (k, o, s) =>
            new Normalizer(k, o, s));

    public static readonly Gen<TrainedModel> Model =
        from spec in Spec
        from parameters in FiniteFloat.Array[(int)spec.ParameterCount]
        // Cross-entropy heads are classifiers; a model that says otherwise is refused on import
        // (TrainedModel.Validate).
        from task in spec.Loss is LossKind.CategoricalCrossEntropy or LossKind.BinaryCrossEntropy
            ? Gen.Const(TaskKind.Classification)
            : Gen.Enum<TaskKind>()
        from input in Normalizer(spec.InputWidth)
        from target in Normalizer(spec.OutputWidth).Null()
        from features in Unique(Text.Array[spec.InputWidth]).Null()
        from classes in Unique(Text.Array[spec.OutputWidth == 1 ? 2 : spec.OutputWidth]).Null()
        from targets in Unique(Text.Array[0, 3]).Null()
        select new TrainedModel(spec, parameters, task, input, target, features, classes, targets);

    public static readonly Gen<TrainingSnapshot> Snapshot =
        from model in Model
        from epoch in Gen.Int[0, 1000]
        from seed in Gen.ULong
        from step in Gen.Long[0, long.MaxValue]
        from moments in FiniteFloat.Array[model.Parameters.Length].Array[2]
        from schedule in Gen.Select(FiniteDouble, FiniteDouble, Gen.Int[0, 100], Gen.Int[0, 100], (r, b, bad, cool) =>
            new ScheduleState(r, b, bad, cool))
        from early in Gen.Select(FiniteDouble, Gen.Int[0, 1000], Gen.Int[0, 100],
            FiniteFloat.Array[model.Parameters.Length].Null(),
            (best, at, bad, weights) => new EarlyStoppingState(best, at, bad, weights)).Null()
        from reason in Gen.Int[-1, 2].Select(r => r < 0 ? null : (StopReason?)r)
        from message in Text
        select new TrainingSnapshot(model.Spec, new TrainingOptions { EarlyStopping = early is null ? null : new() },
            epoch, seed, model.Parameters,
            new OptimizerState(step, moments[0], moments[1]), schedule, early, reason, message.Length == 0 ? null
                : message);

    /// <summary>Every field of a model as text, floats and doubles as their bit patterns, so two models are equal bit
    /// for bit exactly when these are.</summary>
    public static string Describe(TrainedModel m)
    {
        var s = new StringBuilder();
        var spec = m.Spec;
        s.Append(CultureInfo.InvariantCulture,
            $"in={spec.InputWidth} loss={spec.Loss} init={spec.Init} seed={spec.Seed} huber={Bits(spec.HuberDelta)}\n");
        foreach (var l in spec.Layers)
            s.Append(CultureInfo.InvariantCulture, $"layer {l.Units} {l.Activation} " +
                $"{Bits(l.LearningRateMultiplier)} {Bits(l.L2)} {Bits(l.Slope)} {Bits(l.Alpha)}\n");
        var bits = m.Parameters.Select(p =>
            BitConverter.SingleToUInt32Bits(p).ToString("X8", CultureInfo.InvariantCulture));
        s.Append(CultureInfo.InvariantCulture, $"task={m.Task}\nparams={string.Join(" ", bits)}\n");
        Append(s, "input", m.InputNormalizer);
        Append(s, "target", m.TargetNormalizer);
        foreach (var (name, list) in new[] { ("features", m.FeatureNames), ("classes", m.ClassNames),
            ("targets", m.TargetNames) })
            s.Append(name).Append('=').Append(list is null ? "null" : string.Join("|",
                list.Select(x => Convert.ToHexString(Encoding.UTF8.GetBytes(x))))).Append('\n');
        return s.ToString();
    }

    private static void Append(StringBuilder s, string name, Normalizer? n) =>
        s.Append(name).Append('=').Append(n is null ? "null" : $"{n.Kind} " +
            $"{string.Join(" ", n.Offsets.Select(Bits))} / {string.Join(" ", n.Scales.Select(Bits))}").Append('\n');

    private static string Bits(double d) => BitConverter.DoubleToUInt64Bits(d)
        .ToString("X16", CultureInfo.InvariantCulture);
}
