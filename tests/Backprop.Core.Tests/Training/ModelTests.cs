
namespace Backprop.Core.Tests.Training;

public class ModelTests
{
    private static TrainedModel TrainIris()
    {
        var (train, _) = SampleData.Load("iris");
        var session = TrainingSession.Start(SampleData.Classifier(4, 8, 3), train, new TrainingOptions { Epochs = 3 });
        foreach (var _ in session.Run()) { }
        return TrainedModel.FromSession(session, train) with { ClassNames = ["setosa", "versicolor", "virginica"] };
    }

    [Fact]
    public void BinaryAndJson_RoundTripBitExactly()
    {
        var model = TrainIris();
        foreach (var copy in new[] { ModelSerializer.FromBinary(ModelSerializer.ToBinary(model)),
            ModelSerializer.FromJson(ModelSerializer.ToJson(model)) })
        {
            Assert.Equal(model.Parameters, copy.Parameters);
            Assert.True(model.Spec.StructurallyEquals(copy.Spec));
            Assert.Equal(model.InputNormalizer.Offsets, copy.InputNormalizer.Offsets);
            Assert.Equal(model.InputNormalizer.Scales, copy.InputNormalizer.Scales);
            Assert.Equal(model.ClassNames, copy.ClassNames);
        }
    }

    [Fact]
    public void Json_WithWrongShape_IsRejectedNamingThePath()
    {
        var json = ModelSerializer.ToJson(TrainIris()).Replace("\"biases\": [", "\"biases\": [1,");
        var error = Assert.Throws<InvalidDataException>(() => ModelSerializer.FromJson(json));
        Assert.Contains("layers[0].biases", error.Message);
    }

    [Fact]
    public void Predict_RawRows_EqualsTheNetworkOnRowsNormalisedByTheStoredNormalizer()
    {
        // The shipped iris split is already standardised; put its columns back on raw-looking scales so the stored
        // normaliser has something to undo.
        var (iris, _) = SampleData.Load("iris");
        double[] scale = [10, 0.5, 200, 3], shift = [50, -7, 1000, 0.25];
        var raw = iris.Features.AsSpan(0, iris.Rows * 4).ToArray();
        for (int i = 0; i < raw.Length; i++) raw[i] = (float)(raw[i] * scale[i % 4] + shift[i % 4]);
        var train = TrainingData.Classification(raw, iris.Rows, 4, iris.Labels!, iris.ClassCount);
        var session = TrainingSession.Start(SampleData.Classifier(4, 8, 3), train, new TrainingOptions { Epochs = 3 });
        foreach (var _ in session.Run()) { }
        var model = TrainedModel.FromSession(session, train);
        Assert.Equal(NormalizationKind.ZScore, model.InputNormalizer.Kind);
        for (int c = 0; c < 4; c++) Assert.Equal(scale[c], model.InputNormalizer.Scales[c], scale[c] * 0.1);

        const int rows = 20;
        var normalised = new float[rows * 4];
        for (int r = 0; r < rows; r++)
            model.InputNormalizer.Apply(raw.AsSpan(r * 4, 4), normalised.AsSpan(r * 4, 4));
        var bareNetwork = model with { InputNormalizer = Normalizer.Identity(4) };

        var fromRaw = model.CreatePredictor().Predict(raw.AsSpan(0, rows * 4), rows);
        var fromNormalised = bareNetwork.CreatePredictor().Predict(normalised, rows);
        var rawIntoBareNetwork = bareNetwork.CreatePredictor().Predict(raw.AsSpan(0, rows * 4), rows);

        Assert.Equal(fromNormalised.Probabilities, fromRaw.Probabilities);
        Assert.NotEqual(rawIntoBareNetwork.Probabilities, fromRaw.Probabilities);
    }

    [Fact]
    public void Predict_Classifier_ReturnsProbabilitiesPerClassThatSumToOne()
    {
        var model = TrainIris();
        var (train, _) = SampleData.Load("iris");
        var prediction = model.CreatePredictor().Predict(train.Features.AsSpan(0, 2 * 4), 2);
        Assert.Equal(2, prediction.PredictedClasses!.Length);
        for (int r = 0; r < 2; r++)
        {
            var p = prediction.Probabilities!.AsSpan(r * 3, 3).ToArray();
            Assert.Equal(1.0, p.Sum(), 5);
            Assert.Equal(Array.IndexOf(p, p.Max()), prediction.PredictedClasses[r]);
        }
    }

    [Fact]
    public void ZeroVarianceColumn_IsLeftUnscaled()
    {
        float[] values = [1, 7, 2, 7, 3, 7]; // column 1 is constant
        var normalizer = Normalizer.Fit(NormalizationKind.ZScore, values, 2, [0, 1, 2]);
        Assert.Equal(1.0, normalizer.Scales[1]);
        var output = new float[6];
        normalizer.Apply(values, output);
        Assert.All(output, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(0f, output[1]);
    }

    [Fact]
    public void GradientCheck_OnTrainedModel_IsSmallPerLayer()
    {
        var model = TrainIris();
        var (train, _) = SampleData.Load("iris");
        var result = Backprop.Core.Engine.GradientCheck.Run(model, train, 4);
        Assert.Equal(2, result.Layers.Count);
        Assert.All(result.Layers, l => Assert.True(l.MaxRelativeErrorWeights < 1e-4 && l.MaxRelativeErrorBiases < 1e-4,
            $"layer {l.Layer}: weights {l.MaxRelativeErrorWeights}, biases {l.MaxRelativeErrorBiases} (tolerance " +
            "1e-4)"));
    }

    [Fact]
    public void GradientCheck_CancelledToken_StopsWithOperationCanceled()
    {
        var model = TrainIris();
        var (train, _) = SampleData.Load("iris");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Backprop.Core.Engine.GradientCheck.Run(model, train, 4,
            cancellationToken: cancelled.Token));
    }
}
