namespace Backprop.Core.Tests.Training;

/// <summary>A loss that grows by orders of magnitude over its start is divergence, even while it stays
/// finite.</summary>
public class DivergenceTests
{
    [Fact]
    public void AdamAtLearningRate1e6_StopsAsDivergedWithTheWeightsOfTheLastGoodEpoch()
    {
        var (train, _) = SampleData.Load("iris");
        var session = TrainingSession.Start(SampleData.Classifier(4, 16, 3), train,
            new TrainingOptions { Epochs = 200, Optimizer = new OptimizerSettings(OptimizerKind.Adam,
                LearningRate: 1e6) });

        var reports = session.Run().ToList();

        Assert.Equal(StopReason.Diverged, session.StopReason);
        Assert.Contains("times its start", session.StopMessage);
        Assert.True(session.StartLoss is > 0.5 and < 2,
            $"start loss {session.StartLoss} (3-class cross-entropy at initial weights ≈ ln 3)");
        Assert.All(reports, r => Assert.True(r.TrainLoss <= TrainingSession.DivergenceGrowth
            * session.StartLoss!.Value, $"epoch {r.Epoch}: {r.TrainLoss}"));
    }

    [Fact]
    public void StartLoss_SurvivesASnapshot()
    {
        var (train, _) = SampleData.Load("iris");
        var session = TrainingSession.Start(SampleData.Classifier(4, 8, 3), train, new TrainingOptions { Epochs = 3 });
        session.RunEpoch();

        var restored = TrainingSession.Restore(TrainingSnapshot.FromBytes(session.Snapshot().ToBytes()), train);

        Assert.NotNull(session.StartLoss);
        Assert.Equal(session.StartLoss, restored.StartLoss);
    }
}
