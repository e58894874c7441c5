namespace Backprop.Core.Tests.Preparation;

/// <summary>Fitting on the training rows only, encoding, unseen and missing levels, and the model formats that carry
/// it.</summary>
public class TabularPreparationTests
{
    private const float M = float.NaN;

    // age (numeric), city (categorical: a, b, c, d), member (boolean); 6 rows, codes into the vocabulary.
    private static readonly RawColumn[] Columns =
    [
        new("age", ColumnKind.Numeric),
        new("city", ColumnKind.Categorical, ["a", "b", "c", "d"]),
        new("member", ColumnKind.Boolean),
    ];

    private static readonly float[] Raw =
    [
        20, 0, 1,
        M, 0, 0,
        40, 1, M,
        30, M, 1,
        90, 3, 0, // row 4: outside the training rows below
        50, 2, 1,
    ];

    private static readonly int[] TrainRows = [0, 1, 2, 3, 5];

    [Fact]
    public void Fit_MeanImputation_UsesTrainingRowsOnly()
    {
        var p = TabularPreparation.Fit(Columns, Raw, TrainRows, new PreparationSettings());
        Assert.Equal((20 + 40 + 30 + 50) / 4.0, p.Columns[0].Fill, 12); // 90 in row 4 not counted
        Assert.Equal((1 + 0 + 1 + 1) / 4.0, p.Columns[2].Fill, 12);
        Assert.Equal(["a", "b", "c"], p.Columns[1].Levels); // "d" only outside the training rows
        Assert.True(p.Columns[1].MissingLevel);
        Assert.Equal(["age", "city=a", "city=b", "city=c", "city=(missing)", "member"], p.EncodedNames());
    }

    [Fact]
    public void Fit_MedianWithIndicatorsAndGrouping_MatchesHandValues()
    {
        var settings = new PreparationSettings(ImputationKind.Median, MissingIndicators: true, MinLevelCount: 2);
        var p = TabularPreparation.Fit(Columns, Raw, TrainRows, settings);
        Assert.Equal((30 + 40) / 2.0, p.Columns[0].Fill, 12); // median of 20, 30, 40, 50
        Assert.True(p.Columns[0].Indicator);
        Assert.Equal(["a"], p.Columns[1].Levels);             // a ×2 kept; b, c once each: grouped
        Assert.Equal(["b", "c"], p.Columns[1].Grouped);
        Assert.Equal(["age", "age=(missing)", "city=a", "city=(other)", "city=(missing)", "member",
            "member=(missing)"], p.EncodedNames());

        var encoded = p.EncodeTable(Columns, Raw, 6);
        Assert.Equal(7 * 6, encoded.Length);
        // row 1: age missing, city a, member false
        Assert.Equal([35f, 1, 1, 0, 0, 0, 0], encoded.AsSpan(7, 7).ToArray());
        // row 2: b grouped, member missing → median 1
        Assert.Equal([40f, 0, 0, 1, 0, 1, 1], encoded.AsSpan(14, 7).ToArray());
        // row 4: "d" never in training → all zero
        Assert.Equal([90f, 0, 0, 0, 0, 0, 0], encoded.AsSpan(28, 7).ToArray());
    }

    [Fact]
    public void EncodeRow_UnseenLevelAndMissingWithoutLevel_GiveZerosAndCountThem()
    {
        // no missing city in these rows
        var p = TabularPreparation.Fit(Columns, Raw, [0, 2, 5], new PreparationSettings());
        Assert.False(p.Columns[1].MissingLevel);
        var encoded = new float[p.EncodedWidth];
        Assert.Equal(1, p.EncodeRow([25, -1, M], encoded)); // the unseen city counts; a missing boolean is imputed
        Assert.Equal(1, p.EncodeRow([25, p.Slot(1, "zzz"), 1], encoded));
        Assert.Equal([25f, 0, 0, 0, 1], encoded);
        Assert.Equal(1, p.EncodeRow([25, M, 1], encoded)); // a missing city without a (missing) level is unseen
        Assert.Equal(0, p.EncodeRow([25, p.Slot(1, "c"), 0], encoded));
        Assert.Equal([25f, 0, 0, 1, 0], encoded);
    }

    [Fact]
    public void TrainedModel_WithPreparation_RoundTripsThroughJsonAndBinary()
    {
        var model = Model();
        foreach (var copy in new[] { ModelSerializer.FromJson(ModelSerializer.ToJson(model)),
            ModelSerializer.FromBinary(ModelSerializer.ToBinary(model)) })
        {
            var p = copy.Preparation!;
            Assert.Equal(model.Preparation!.EncodedNames(), p.EncodedNames());
            Assert.Equal(model.Preparation.Settings, p.Settings);
            for (int c = 0; c < p.Columns.Count; c++)
            {
                Assert.Equal(model.Preparation.Columns[c].Fill, p.Columns[c].Fill);
                Assert.Equal(model.Preparation.Columns[c].Levels, p.Columns[c].Levels);
                Assert.Equal(model.Preparation.Columns[c].Grouped, p.Columns[c].Grouped);
            }
        }
    }

    [Fact]
    public void ModelFormatVersion2_WithoutPreparation_StillLoads()
    {
        var model = Model() with { Preparation = null, FeatureNames = null };
        var current = ModelSerializer.ToBinary(model);
        // Version 2 is the current version without the spec's dropout rates (8 bytes, then 8 per layer, after the
        // 40-byte layers) and the trailing preparation flag.
        int layers = BitConverter.ToInt32(current, 36), dropoutAt = 40 + 40 * layers, dropoutBytes = 8 + 8 * layers;
        byte[] v2 = [.. current.AsSpan(0, dropoutAt), .. current.AsSpan(dropoutAt + dropoutBytes, current.Length - 1
            - dropoutAt - dropoutBytes)];
        BitConverter.GetBytes(2).CopyTo(v2, 4);
        var loaded = ModelSerializer.FromBinary(v2);
        Assert.Null(loaded.Preparation);
        Assert.Equal(model.Parameters, loaded.Parameters);

        var json = ModelSerializer.ToJson(model).Replace("\"version\": 4", "\"version\": 2")
            .Replace("\"preparation\": null", "\"extra\": null");
        Assert.Contains("\"version\": 2", json);
        Assert.Null(ModelSerializer.FromJson(json).Preparation);
    }

    [Fact]
    public void TrainedModel_PreparationWidthDifferentFromNetwork_IsInvalid()
    {
        var model = Model();
        var wrong = model with { Spec = model.Spec with { InputWidth = model.Spec.InputWidth + 1 },
            Parameters = new float[model.Parameters.Length + 2],
            InputNormalizer = Normalizer.Identity(model.Spec.InputWidth + 1), FeatureNames = null };
        Assert.Contains(wrong.Validate(), e => e.Path == "preparation");
    }

    [Fact]
    public void Session_RawTableWithWeights_RestoresBitForBitAndStoresPreparation()
    {
        var rng = new Random(11);
        int rows = 200;
        var raw = new float[rows * 3];
        var labels = new int[rows];
        var sampleWeights = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            raw[r * 3] = rng.Next(10) == 0 ? M : (float)rng.NextDouble() * 50;
            raw[r * 3 + 1] = rng.Next(8) == 0 ? M : rng.Next(4);
            raw[r * 3 + 2] = rng.Next(2);
            labels[r] = raw[r * 3 + 1] is 3 || raw[r * 3] > 45 ? 1 : 0;
            sampleWeights[r] = 0.5f + r % 3;
        }
        var data = TrainingData.Classification(raw, rows, 3, labels, 2, ["no", "yes"], null, Columns, sampleWeights);
        var options = new TrainingOptions { Epochs = 6, BatchSize = 16, ValidationFraction = 0.25,
            ClassWeights = new ClassWeighting(true),
            Preparation = new PreparationSettings(ImputationKind.Median, MissingIndicators: true) };
        var width = TrainingSession.FitPreparation(data, options, 5)!.EncodedWidth;
        var spec = new NetworkSpec(width, [new LayerSpec(6, ActivationKind.Tanh),
            new LayerSpec(2, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy, Seed: 5);

        var whole = TrainingSession.Start(spec, data, options);
        var expected = whole.Run().ToList();
        var first = TrainingSession.Start(spec, data, options);
        for (int i = 0; i < 3; i++) first.RunEpoch();
        var resumed = TrainingSession.Restore(TrainingSnapshot.FromBytes(first.Snapshot().ToBytes()), data);
        var rest = resumed.Run().ToList();

        Assert.Equal(whole.Network.Parameters, resumed.Network.Parameters);
        Assert.Equal(expected.Skip(3).Select(r => r.TrainLoss), rest.Select(r => r.TrainLoss));
        var model = TrainedModel.FromSession(whole, data);
        Assert.Equal(width, model.Preparation!.EncodedWidth);
        Assert.Equal(model.Preparation.EncodedNames(), model.FeatureNames);
        Assert.Empty(model.Validate());
        // Balanced weights on the training split: n / (2 · n_c), so both classes weigh n/2 in total.
        var weights = whole.ClassWeights!;
        int trainRows = whole.TrainRows;
        var trainLabels = Enumerable.Range(0, rows).Except(whole.ValidationIndices).Select(i => labels[i]).ToArray();
        Assert.Equal(trainRows / (2.0 * trainLabels.Count(l => l == 1)), weights[1], 12);
    }

    [Fact]
    public void Session_NetworkWidthDifferentFromPreparation_IsRefusedWithTheWidth()
    {
        var data = TrainingData.Classification((float[])Raw.Clone(), 6, 3, [0, 1, 0, 1, 0, 1], 2, null, null, Columns);
        var spec = new NetworkSpec(3, [new LayerSpec(2, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy);
        var e = Assert.Throws<InvalidTrainingOptionsException>(() => TrainingSession.Start(spec, data,
            new TrainingOptions()));
        Assert.Contains("set inputWidth to 7", e.Message); // age, city a/b/c/d + (missing), member
    }

    private static TrainedModel Model()
    {
        var p = TabularPreparation.Fit(Columns, Raw, TrainRows, new PreparationSettings(ImputationKind.Median, true, 2,
            UnseenLevelPolicy.Refuse));
        var spec = new NetworkSpec(p.EncodedWidth, [new LayerSpec(2, ActivationKind.Softmax)],
            LossKind.CategoricalCrossEntropy);
        var parameters = Enumerable.Range(0, (p.EncodedWidth + 1) * 2).Select(i => i * 0.01f).ToArray();
        return new TrainedModel(spec, parameters, TaskKind.Classification, Normalizer.Identity(p.EncodedWidth), null,
            p.EncodedNames(), ["no", "yes"], null, p);
    }
}
