namespace Backprop.Core.Engine;

/// <summary>Draws initial weights from the spec's seed (stream <c>seed·1000+1</c>, one counter over all layers, W in
/// [out, in] order).</summary>
public static class Initializer
{
    /// <summary>The scheme <see cref="InitKind.Auto"/> resolves to for an activation.</summary>
    public static InitKind Resolve(InitKind requested, ActivationKind activation) => requested != InitKind.Auto
        ? requested
        : activation is ActivationKind.Relu or ActivationKind.LeakyRelu or ActivationKind.Elu ? InitKind.HeUniform
            : InitKind.GlorotUniform;

    /// <summary>Fills <paramref name="parameters"/> (the flat layout of <see cref="ParameterLayout"/>) with initial
    /// values; biases 0.</summary>
    public static void Initialize<T>(NetworkSpec spec, ParameterLayout layout, Span<T> parameters) where T : unmanaged,
        IFloatingPointIeee754<T>
    {
        ulong stream = SplitMix64.Stream(spec.Seed, SplitMix64.Streams.Init);
        ulong index = 0;
        for (int l = 0; l < layout.LayerCount; l++)
        {
            var view = layout[l];
            var kind = Resolve(spec.Init, spec.Layers[l].Activation);
            double fanIn = view.Inputs, fanOut = view.Units;
            var weights = parameters.Slice(view.WeightOffset, view.WeightCount);
            switch (kind)
            {
                case InitKind.GlorotUniform or InitKind.HeUniform:
                {
                    double limit = Math.Sqrt(6.0 / (kind == InitKind.GlorotUniform ? fanIn + fanOut : fanIn));
                    for (int i = 0; i < weights.Length; i++)
                        weights[i] = T.CreateTruncating((float)((2.0 * SplitMix64.NextDouble(stream, index++) - 1.0)
                            * limit));
                    break;
                }
                default:
                {
                    double std = Math.Sqrt(2.0 / (kind == InitKind.GlorotNormal ? fanIn + fanOut : fanIn));
                    for (int i = 0; i < weights.Length; i++)
                    {
                        // Box–Muller from two uniforms; 1 − u keeps the logarithm's argument in (0, 1].
                        double u1 = 1.0 - SplitMix64.NextDouble(stream, index++);
                        double u2 = SplitMix64.NextDouble(stream, index++);
                        weights[i] = T.CreateTruncating((float)(std * Math.Sqrt(-2.0 * Math.Log(u1))
                            * Math.Cos(2 * Math.PI * u2)));
                    }
                    break;
                }
            }
            parameters.Slice(view.BiasOffset, view.Units).Clear();
        }
    }
}
