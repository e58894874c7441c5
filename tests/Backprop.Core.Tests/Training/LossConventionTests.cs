namespace Backprop.Core.Tests.Training;

public class LossConventionTests
{
    [Fact]
    public void ReportedTrainLoss_LeavesOutTheL2Penalty()
    {
        // Same data and starting weights, one with a large L2 on the hidden layer; a learning rate of 1e-12 keeps the
        // weights where they started, so the reported losses differ only if the penalty (λ/2)‖W‖² were part of them.
        var (train, _) = SampleData.Load("iris");
        var options = new TrainingOptions { Epochs = 1, BatchSize = 1000, Shuffle = false,
            Optimizer = new(OptimizerKind.Sgd, 1e-12) };
        var plain = SampleData.Classifier(4, 8, 3);
        var penalised = plain with { Layers = [plain.Layers[0] with { L2 = 10 }, plain.Layers[1]] };
        double without = TrainingSession.Start(plain, train, options).Run().Single().TrainLoss;
        double with = TrainingSession.Start(penalised, train, options).Run().Single().TrainLoss;
        Assert.Equal(without, with, 9);
    }

    [Fact]
    public void WithDefaults_WithoutEpochs_StopsEarlyOnATenPercentSplit_GivenEpochs_TrainsExactlyThat()
    {
        var defaults = TrainingOptions.WithDefaults(null, null, null);
        Assert.Equal((TrainingOptions.DefaultEpochBudget, 0.1, MonitoredMetric.ValidationLoss, true),
            (defaults.Epochs, defaults.ValidationFraction, defaults.EarlyStopping!.Monitor,
                defaults.EarlyStopping.RestoreBestWeights));
        Assert.Equal(MonitoredMetric.TrainLoss, TrainingOptions.WithDefaults(null, 0, null).EarlyStopping!.Monitor);
        var given = TrainingOptions.WithDefaults(30, null, null);
        Assert.Equal((30, 0.0, (EarlyStoppingSettings?)null), (given.Epochs, given.ValidationFraction,
            given.EarlyStopping));
    }
}
