
namespace Backprop.Core.Tests.Training;

public class EarlyStoppingTests
{
    [Fact]
    public void StopsAfterPatience_AndRestoresTheBestWeights()
    {
        var (train, _) = SampleData.Load("iris");
        var spec = SampleData.Classifier(4, 32, 3);
        // A high learning rate makes validation loss bottom out early and then wander.
        var options = new TrainingOptions
        {
            Epochs = 300, BatchSize = 8, ValidationFraction = 0.25, Optimizer = new(OptimizerKind.Adam, 0.05),
            EarlyStopping = new(MonitoredMetric.ValidationLoss, Patience: 5, RestoreBestWeights: true),
        };
        var session = TrainingSession.Start(spec, train, options);
        var reports = session.Run().ToList();

        Assert.Equal(StopReason.EarlyStopped, session.StopReason);
        var (best, bestEpoch) = session.Best!.Value;
        Assert.Equal(reports.Min(r => r.ValidationLoss!.Value), best);
        Assert.Equal(bestEpoch + 6, reports.Count); // best, then patience + 1 worse epochs
        // The restored weights reproduce the best validation loss.
        var replay = TrainingSession.Start(spec, train, options with { Epochs = bestEpoch, EarlyStopping = null });
        foreach (var _ in replay.Run()) { }
        Assert.Equal(replay.Network.Parameters, session.Network.Parameters);
    }

    [Fact]
    public void StratifiedSplit_KeepsClassProportions()
    {
        var (train, _) = SampleData.Load("iris");
        var session = TrainingSession.Start(SampleData.Classifier(4, 8, 3), train,
            new TrainingOptions { ValidationFraction = 0.25 });
        var perClass = session.ValidationIndices.GroupBy(i => train.Labels![i]).ToDictionary(g => g.Key, g =>
            g.Count());
        for (int c = 0; c < 3; c++)
        {
            int total = train.Labels!.Count(l => l == c);
            Assert.Equal((int)Math.Round(total * 0.25), perClass[c]);
        }
    }
}
