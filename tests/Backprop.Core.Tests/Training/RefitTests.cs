
namespace Backprop.Core.Tests.Training;

public class RefitTests
{
    private static TrainingOptions Selecting(int epochs = 300) => new()
    {
        Epochs = epochs, BatchSize = 8, ValidationFraction = 0.25, Optimizer = new(OptimizerKind.Adam, 0.05),
        EarlyStopping = new(MonitoredMetric.ValidationLoss, Patience: 5, RestoreBestWeights: true),
    };

    [Fact]
    public void SelectedEpochs_EarlyStoppedWithBestWeights_IsTheBestEpoch()
    {
        var (train, _) = SampleData.Load("iris");
        var session = TrainingSession.Start(SampleData.Classifier(4, 32, 3), train, Selecting());
        Assert.Null(session.SelectedEpochs); // not finished yet
        foreach (var _ in session.Run()) { }

        Assert.Equal(StopReason.EarlyStopped, session.StopReason);
        Assert.Equal(session.Best!.Value.Epoch, session.SelectedEpochs);
        Assert.True(session.SelectedEpochs < session.Epoch);
    }

    [Fact]
    public void SelectedEpochs_WithoutBestWeights_IsTheEpochItStoppedAt()
    {
        var (train, _) = SampleData.Load("iris");
        var options = Selecting() with
        {
            EarlyStopping = Selecting().EarlyStopping! with { RestoreBestWeights = false },
        };
        var session = TrainingSession.Start(SampleData.Classifier(4, 32, 3), train, options);
        foreach (var _ in session.Run()) { }

        Assert.Equal(StopReason.EarlyStopped, session.StopReason);
        Assert.Equal(session.Epoch, session.SelectedEpochs);
    }

    [Fact]
    public void SelectedEpochs_BudgetRunOut_IsTheBestEpoch()
    {
        var (train, _) = SampleData.Load("iris");
        var options = Selecting(3) with { EarlyStopping = Selecting().EarlyStopping! with { Patience = 100 } };
        var session = TrainingSession.Start(SampleData.Classifier(4, 32, 3), train, options);
        foreach (var _ in session.Run()) { }

        Assert.Equal(StopReason.Completed, session.StopReason);
        Assert.Equal(session.Best!.Value.Epoch, session.SelectedEpochs);
    }

    [Theory]
    [InlineData(0.0, MonitoredMetric.ValidationLoss)]  // no split: nothing chose the epochs
    [InlineData(0.25, MonitoredMetric.TrainLoss)]      // the split only reports, the training loss stops
    public void SelectedEpochs_NoValidationSplitChoosing_IsNull(double fraction, MonitoredMetric monitor)
    {
        var (train, _) = SampleData.Load("iris");
        var options = new TrainingOptions { Epochs = 5, ValidationFraction = fraction,
            EarlyStopping = fraction > 0 || monitor == MonitoredMetric.TrainLoss ? new(monitor) : null };
        var session = TrainingSession.Start(SampleData.Classifier(4, 8, 3), train, options);
        foreach (var _ in session.Run()) { }

        Assert.False(options.SelectsEpochsOnValidation);
        Assert.Null(session.SelectedEpochs);
    }

    [Fact]
    public void ForRefit_TrainsEveryRowFromTheSameInitialWeights()
    {
        var (train, _) = SampleData.Load("iris");
        var spec = SampleData.Classifier(4, 32, 3);
        var selection = TrainingSession.Start(spec, train, Selecting());
        var refit = TrainingSession.Start(spec, train, Selecting().ForRefit(7));

        Assert.Equal(selection.Network.Parameters, refit.Network.Parameters);
        Assert.Equal(train.Rows, refit.TrainRows);
        Assert.Equal(0, refit.ValidationRows);
        var reports = refit.Run().ToList();
        Assert.Equal(7, reports.Count);
        Assert.All(reports, r => Assert.Null(r.ValidationLoss));
        Assert.Equal(StopReason.Completed, refit.StopReason);
    }

    [Fact]
    public void ForRefit_CosineOverTheRunsEpochs_KeepsTheFirstRunsRates()
    {
        var options = Selecting(50) with { Schedule = new(ScheduleKind.Cosine, MinLearningRate: 1e-4) };
        var (train, _) = SampleData.Load("iris");
        var spec = SampleData.Classifier(4, 8, 3);
        var first = TrainingSession.Start(spec, train, options with { EarlyStopping = null }).Run().Take(6)
            .Select(r => r.LearningRate).ToList();
        var refit = TrainingSession.Start(spec, train, options.ForRefit(6)).Run().Select(r => r.LearningRate).ToList();

        Assert.Equal(50, options.ForRefit(6).Schedule.CosineEpochs);
        Assert.Equal(first, refit);
    }

    [Fact]
    public void ForRefit_SnapshotRestoredMidway_EndsBitIdenticalToTheUninterruptedRefit()
    {
        var (train, _) = SampleData.Load("iris");
        var spec = SampleData.Classifier(4, 16, 3);
        var options = Selecting().ForRefit(12);
        var whole = TrainingSession.Start(spec, train, options);
        foreach (var _ in whole.Run()) { }

        var interrupted = TrainingSession.Start(spec, train, options);
        for (int e = 0; e < 5; e++) interrupted.RunEpoch();
        var resumed = TrainingSession.Restore(TrainingSnapshot.FromBytes(interrupted.Snapshot().ToBytes()), train);
        foreach (var _ in resumed.Run()) { }

        Assert.Equal(12, resumed.Epoch);
        Assert.Equal(whole.Network.Parameters, resumed.Network.Parameters);
    }
}
