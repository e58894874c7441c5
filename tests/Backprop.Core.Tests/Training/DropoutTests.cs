namespace Backprop.Core.Tests.Training;

public class DropoutTests
{
    private static readonly TrainingOptions Options = new()
    {
        Epochs = 8, BatchSize = 16, ValidationFraction = 0.2, Optimizer = new(OptimizerKind.Adam, 0.01),
    };

    private static NetworkSpec WithDropout(ulong seed = 7, double hidden = 0.3, double input = 0.1) => new(
        4, [new LayerSpec(16, ActivationKind.Relu, Dropout: hidden), new LayerSpec(3, ActivationKind.Softmax)],
        LossKind.CategoricalCrossEntropy, Seed: seed, InputDropout: input);

    private static float[] Train(NetworkSpec spec, TrainingOptions options)
    {
        var (train, _) = SampleData.Load("iris");
        var session = TrainingSession.Start(spec, train, options);
        foreach (var _ in session.Run()) { }
        return session.Network.Parameters;
    }

    [Fact]
    public void Training_SameSeed_GivesSameWeights()
    {
        Assert.Equal(Train(WithDropout(), Options), Train(WithDropout(), Options));
    }

    [Fact]
    public void Training_DifferentJobSeed_GivesDifferentWeights()
    {
        var first = Train(WithDropout(), Options with { Seed = 1 });
        var second = Train(WithDropout(), Options with { Seed = 2 });
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Training_WithDropout_DiffersFromTrainingWithout()
    {
        Assert.NotEqual(Train(WithDropout(hidden: 0, input: 0), Options), Train(WithDropout(), Options));
    }

    [Fact]
    public void Predict_NetworkWithDropout_IsDeterministicAndEqualsSameWeightsWithoutDropout()
    {
        var (train, test) = SampleData.Load("iris");
        var spec = WithDropout();
        var session = TrainingSession.Start(spec, train, Options);
        foreach (var _ in session.Run()) { }
        var plain = Network<float>.FromParameters(WithDropout(hidden: 0, input: 0), session.Network.Parameters);

        var inputs = new float[test.Rows * 4];
        session.InputNormalizer.Apply(test.Features, inputs);
        var first = new float[test.Rows * 3];
        var second = new float[test.Rows * 3];
        var expected = new float[test.Rows * 3];
        session.Network.Predict(session.Network.CreateWorkspace(8), inputs, test.Rows, first);
        session.Network.Predict(session.Network.CreateWorkspace(8), inputs, test.Rows, second);
        plain.Predict(plain.CreateWorkspace(8), inputs, test.Rows, expected);

        Assert.Equal(first, second);
        Assert.Equal(expected, first);
    }

    [Fact]
    public void SnapshotRestoreContinue_WithDropout_EqualsUninterruptedRun_BitForBit()
    {
        var (train, _) = SampleData.Load("iris");
        var spec = WithDropout();
        var uninterrupted = TrainingSession.Start(spec, train, Options);
        var expected = uninterrupted.Run().Select(r => (r.TrainLoss, r.ValidationLoss)).ToList();

        var first = TrainingSession.Start(spec, train, Options);
        for (int i = 0; i < 3; i++) first.RunEpoch();
        var snapshot = TrainingSnapshot.FromBytes(first.Snapshot().ToBytes());
        Assert.Equal(spec.InputDropout, snapshot.Spec.InputDropout);
        Assert.Equal(spec.Layers[0].Dropout, snapshot.Spec.Layers[0].Dropout);
        var resumed = TrainingSession.Restore(snapshot, train);
        var rest = resumed.Run().Select(r => (r.TrainLoss, r.ValidationLoss)).ToList();

        Assert.Equal(uninterrupted.Network.Parameters, resumed.Network.Parameters);
        Assert.Equal(expected.Skip(3), rest);
    }

    [Fact]
    public void GradientCheck_WithDropoutMasksHeldFixed_MatchesFiniteDifferences()
    {
        var spec = new NetworkSpec(3, [new LayerSpec(6, ActivationKind.Tanh, Dropout: 0.5),
            new LayerSpec(5, ActivationKind.Sigmoid, Dropout: 0.4),
            new LayerSpec(2, ActivationKind.Identity)], LossKind.MeanSquaredError, Seed: 3, InputDropout: 0.3);
        var rng = new Random(5);
        var parameters = Enumerable.Range(0, (int)spec.ParameterCount).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var inputs = Enumerable.Range(0, 4 * 3).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var targets = Enumerable.Range(0, 4 * 2).Select(_ => rng.NextDouble()).ToArray();

        var masked = Backprop.Core.Engine.GradientCheck.Run(spec, parameters, inputs, targets, 4);
        var unmasked = Backprop.Core.Engine.GradientCheck.Run(spec with { InputDropout = 0,
            Layers = spec.Layers.Select(l => l with { Dropout = 0 }).ToList() }, parameters, inputs, targets, 4);

        Assert.True(masked.MaxRelativeError < 1e-6, $"max relative error {masked.MaxRelativeError} ≥ 1e-6");
        Assert.NotEqual(unmasked.Loss, masked.Loss); // the masks were applied
    }

    [Fact]
    public void Training_NoisySmallDataset_DropoutNarrowsTrainValidationGap()
    {
        // 80 rows of 10 features where only the first two carry the class and a quarter of the labels are flipped: a
        // 256-unit layer memorises the noise (train loss 0.03, validation 1.4 after 60 epochs); dropout on it and on
        // the inputs keeps the two close (0.68 and 0.82).
        const int rows = 80, width = 10;
        var x = new float[rows * width];
        var labels = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < width; c++) x[r * width + c] =
                (float)(SplitMix64.NextDouble(99, (ulong)(r * width + c)) * 2 - 1);
            labels[r] = x[r * width] + x[r * width + 1] > 0 ? 1 : 0;
            if (SplitMix64.NextDouble(98, (ulong)r) < 0.25) labels[r] = 1 - labels[r];
        }
        var data = TrainingData.Classification(x, rows, width, labels, 2);
        var options = new TrainingOptions { Epochs = 60, BatchSize = 16, ValidationFraction = 0.3,
            Optimizer = new(OptimizerKind.Adam, 0.003) };
        EpochReport Last(double hidden, double input) => TrainingSession.Start(new NetworkSpec(width,
            [new LayerSpec(256, ActivationKind.Relu, Dropout: hidden), new LayerSpec(2, ActivationKind.Softmax)],
            LossKind.CategoricalCrossEntropy, Seed: 4, InputDropout: input), data, options).Run().Last();

        var without = Last(0, 0);
        var with = Last(0.5, 0.2);
        double gapWithout = without.ValidationLoss!.Value - without.TrainLoss, gapWith = with.ValidationLoss!.Value
            - with.TrainLoss;
        Assert.True(gapWith < gapWithout / 2,
            $"gap with dropout {gapWith:G4} not below half the gap without, {gapWithout:G4}");
        Assert.True(with.ValidationLoss < without.ValidationLoss,
            $"validation loss with dropout {with.ValidationLoss:G4} not below {without.ValidationLoss:G4}");
    }

    [Fact]
    public void Validate_DropoutOnOutputLayerOrOutOfRange_IsRejected()
    {
        var spec = new NetworkSpec(4, [new LayerSpec(8, ActivationKind.Relu, Dropout: 1.0),
            new LayerSpec(3, ActivationKind.Softmax, Dropout: 0.2)],
            LossKind.CategoricalCrossEntropy, InputDropout: -0.1);
        var paths = NetworkSpecValidator.Validate(spec).Where(e => e.Code == SpecErrorCode.InvalidDropout)
            .Select(e => e.Path).ToList();
        Assert.Equal(["inputDropout", "layers[0].dropout", "layers[1].dropout"], paths);
    }

    [Fact]
    public void ModelFromBinary_FormatVersion1WithoutDropout_StillReads()
    {
        var model = new TrainedModel(new NetworkSpec(2, [new LayerSpec(2, ActivationKind.Identity)],
            LossKind.MeanSquaredError),
            [1, 2, 3, 4, 5, 6], TaskKind.Regression, Normalizer.Identity(2), null, null, null, null);
        var current = ModelSerializer.ToBinary(model);
        // Version 1 is version 4 without the layer's bias multiplier (bytes 72..80 of the one-layer spec), the dropout
        // rates (80..96) and the trailing preparation flag.
        byte[] version1 = [.. current.AsSpan(0, 4), 1, 0, 0, 0, .. current.AsSpan(8, 64), .. current.AsSpan(96,
            current.Length - 97)];
        var read = ModelSerializer.FromBinary(version1);
        Assert.True(read.Spec.StructurallyEquals(model.Spec));
        Assert.Equal(model.Parameters, read.Parameters);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ModelFromBinary_FormatVersion2Or3WithoutDropout_StillReads(byte version)
    {
        var model = new TrainedModel(new NetworkSpec(2, [new LayerSpec(2, ActivationKind.Identity,
            BiasLearningRateMultiplier: 0.5)], LossKind.MeanSquaredError),
            [1, 2, 3, 4, 5, 6], TaskKind.Regression, Normalizer.Identity(2), null, null, null, null);
        var current = ModelSerializer.ToBinary(model);
        // Versions 2 and 3 are version 4 without the dropout rates after the one-layer spec (40 + 40 bytes in; 8 + 8
        // bytes long); version 2 also without the trailing preparation flag.
        int end = version == 2 ? current.Length - 1 : current.Length;
        byte[] old = [.. current.AsSpan(0, 4), version, 0, 0, 0, .. current.AsSpan(8, 72), .. current.AsSpan(96,
            end - 96)];
        var read = ModelSerializer.FromBinary(old);
        Assert.True(read.Spec.StructurallyEquals(model.Spec));
        Assert.Equal(0.5, read.Spec.Layers[0].BiasLearningRateMultiplier);
        Assert.Equal(0.0, read.Spec.Layers[0].Dropout);
        Assert.Equal(model.Parameters, read.Parameters);
    }

    [Fact]
    public void ModelRoundTrip_KeepsDropoutRates()
    {
        var (train, _) = SampleData.Load("iris");
        var session = TrainingSession.Start(WithDropout(), train, Options with { Epochs = 1 });
        foreach (var _ in session.Run()) { }
        var model = TrainedModel.FromSession(session, train);
        Assert.True(ModelSerializer.FromBinary(ModelSerializer.ToBinary(model)).Spec.StructurallyEquals(model.Spec));
        Assert.True(ModelSerializer.FromJson(ModelSerializer.ToJson(model)).Spec.StructurallyEquals(model.Spec));
    }
}
