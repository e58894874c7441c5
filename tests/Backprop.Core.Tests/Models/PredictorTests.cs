namespace Backprop.Core.Tests.Models;

/// <summary>The predictor is inference-only and bounded: it runs a batch of any size in chunks of a small
/// scratch.</summary>
public class PredictorTests
{
    /// <summary>3 → 4096 tanh → 5 softmax: a row's scratch is ~16k values, so a predictor runs 8 rows per chunk
    /// (the fewest: one kernel tile), which keeps a chunk's scratch near L2's size.</summary>
    private static TrainedModel WideModel()
    {
        var spec = new NetworkSpec(3, [new LayerSpec(4096, ActivationKind.Tanh),
            new LayerSpec(5, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy, Seed: 3);
        var parameters = Network<float>.Create(spec).Parameters;
        var normalizer = new Normalizer(NormalizationKind.ZScore, [1, -2, 0.5], [2, 4, 0.25]);
        return new TrainedModel(spec, parameters, TaskKind.Classification, normalizer, null, null, null, null);
    }

    [Fact]
    public void Predict_MoreRowsThanOneChunk_MatchesOneForwardPassOverAllRows()
    {
        var model = WideModel();
        var predictor = model.CreatePredictor(256);
        Assert.Equal(8, predictor.Capacity);
        const int rows = 150; // 19 chunks, the last one partial
        var random = new Random(5);
        var raw = Enumerable.Range(0, rows * 3).Select(_ => (float)(random.NextDouble() * 10 - 5)).ToArray();

        var batch = predictor.Predict(raw, rows);

        // Reference: normalise by hand, one training workspace over every row.
        var normalized = new float[raw.Length];
        for (int i = 0; i < raw.Length; i++) normalized[i] =
            (float)((raw[i] - model.InputNormalizer.Offsets[i % 3]) / model.InputNormalizer.Scales[i % 3]);
        var network = Network<float>.FromParameters(model.Spec, model.Parameters);
        var expected = network.Forward(network.CreateWorkspace(rows), normalized, rows).ToArray();
        Assert.Equal(expected.Length, batch.Outputs.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], batch.Outputs[i], 1e-6f);
        Assert.Same(batch.Outputs, batch.Probabilities); // softmax outputs are the probabilities, not a second copy
    }

    [Fact]
    public void Backward_OnInferenceWorkspace_IsRefused()
    {
        var network = Network<float>.FromParameters(WideModel().Spec, WideModel().Parameters);
        var workspace = network.CreateInferenceWorkspace(2);
        float[] inputs = [0, 0, 0, 1, 1, 1], targets = new float[10];
        network.Forward(workspace, inputs, 2);
        Assert.False(workspace.HasDeltas);
        Assert.Throws<ArgumentException>(() => network.Backward(workspace, inputs, targets, 2,
            new float[network.Layout.Count]));
    }
}
