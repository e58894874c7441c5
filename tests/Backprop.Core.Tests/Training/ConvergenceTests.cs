
namespace Backprop.Core.Tests.Training;

public class ConvergenceTests
{
    [Fact]
    public void Iris_ReachesAtLeast93PercentTestAccuracy()
    {
        var (train, test) = SampleData.Load("iris");
        var session = TrainingSession.Start(SampleData.Classifier(4, 16, 3), train,
            new TrainingOptions { Epochs = 100, BatchSize = 16, Optimizer = new(OptimizerKind.Adam, 0.01) });
        foreach (var _ in session.Run()) { }

        var evaluation = ModelEvaluation.Evaluate(TrainedModel.FromSession(session, train), test);
        Assert.True(evaluation.Accuracy >= 0.93, $"iris test accuracy {evaluation.Accuracy} < 0.93");
    }

    [Fact]
    public void Digits_ReachesAtLeast96PercentTestAccuracy()
    {
        var (train, test) = SampleData.Load("digits");
        var session = TrainingSession.Start(SampleData.Classifier(64, 64, 10), train,
            new TrainingOptions { Epochs = 30, BatchSize = 32, Optimizer = new(OptimizerKind.Adam, 1e-3) });
        foreach (var _ in session.Run()) { }

        var evaluation = ModelEvaluation.Evaluate(TrainedModel.FromSession(session, train), test);
        Assert.True(evaluation.Accuracy >= 0.96, $"digits test accuracy {evaluation.Accuracy} < 0.96");
    }

    [Fact]
    public void Regression_PredictsInRawUnits()
    {
        var data = SampleData.Linear(400);
        var spec = new NetworkSpec(2, [new LayerSpec(1, ActivationKind.Identity)], LossKind.MeanSquaredError, Seed: 3);
        var session = TrainingSession.Start(spec, data, new TrainingOptions { Epochs = 200, BatchSize = 32,
            Optimizer = new(OptimizerKind.Adam, 0.05) });
        var last = session.Run().Last();

        var prediction = TrainedModel.FromSession(session, data).CreatePredictor().Predict([500f, 1f], 1);
        float expected = 3 * 500 - 2 * 1 + 100;
        Assert.True(Math.Abs(prediction.Outputs[0] - expected) < 2f,
            $"prediction {prediction.Outputs[0]} vs {expected} (tolerance 2 raw units)");
        Assert.True(last.TrainR2 > 0.999, $"R² {last.TrainR2} ≤ 0.999");
        Assert.True(last.TrainRmse < 2, $"RMSE {last.TrainRmse} ≥ 2 raw units");
    }

    [Fact]
    public void SameSeed_GivesIdenticalWeights_OtherSeedDiffers()
    {
        var (train, _) = SampleData.Load("iris");
        float[] Train(ulong seed)
        {
            var session = TrainingSession.Start(SampleData.Classifier(4, 8, 3, seed), train,
                new TrainingOptions { Epochs = 5, BatchSize = 10 });
            foreach (var _ in session.Run()) { }
            return session.Network.Parameters;
        }
        Assert.Equal(Train(5), Train(5));
        Assert.NotEqual(Train(5), Train(6));
    }
}
