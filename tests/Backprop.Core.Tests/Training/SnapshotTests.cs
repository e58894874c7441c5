
namespace Backprop.Core.Tests.Training;

public class SnapshotTests
{
    private static readonly TrainingOptions Options = new()
    {
        Epochs = 12, BatchSize = 16, ValidationFraction = 0.2,
        Optimizer = new(OptimizerKind.Adam, 0.01),
        Schedule = new(ScheduleKind.ReduceOnPlateau, Patience: 1, Factor: 0.5),
        EarlyStopping = new(MonitoredMetric.ValidationLoss, Patience: 50),
    };

    [Fact]
    public void SnapshotRestoreContinue_EqualsUninterruptedRun_BitForBit()
    {
        var (train, _) = SampleData.Load("iris");
        var spec = SampleData.Classifier(4, 8, 3);

        var uninterrupted = TrainingSession.Start(spec, train, Options);
        var expected = uninterrupted.Run().ToList();

        var first = TrainingSession.Start(spec, train, Options);
        for (int i = 0; i < 5; i++) first.RunEpoch();
        var bytes = first.Snapshot().ToBytes();
        var resumed = TrainingSession.Restore(TrainingSnapshot.FromBytes(bytes), train);
        var rest = resumed.Run().ToList();

        Assert.Equal(uninterrupted.Network.Parameters, resumed.Network.Parameters);
        Assert.Equal(uninterrupted.Optimizer.First, resumed.Optimizer.First);
        Assert.Equal(uninterrupted.Optimizer.Second, resumed.Optimizer.Second);
        Assert.Equal(uninterrupted.Optimizer.Step, resumed.Optimizer.Step);
        Assert.Equal(expected.Skip(5).Select(r => (r.TrainLoss, r.ValidationLoss, r.LearningRate)),
                     rest.Select(r => (r.TrainLoss, r.ValidationLoss, r.LearningRate)));
    }

    [Fact]
    public void CancelledEpoch_RollsBack_AndSessionContinuesAsIfUninterrupted()
    {
        var (train, _) = SampleData.Load("iris");
        var spec = SampleData.Classifier(4, 8, 3);
        var reference = TrainingSession.Start(spec, train, Options with { EarlyStopping = null, Epochs = 3 });
        foreach (var _ in reference.Run()) { }

        var session = TrainingSession.Start(spec, train, Options with { EarlyStopping = null, Epochs = 3 });
        session.RunEpoch();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => session.RunEpoch(cancelled.Token));
        Assert.Equal(1, session.Epoch);
        foreach (var _ in session.Run()) { }

        Assert.Equal(reference.Network.Parameters, session.Network.Parameters);
    }

    [Fact]
    public void TruncatedSnapshot_IsRejectedWithInvalidData()
    {
        var (train, _) = SampleData.Load("iris");
        var session = TrainingSession.Start(SampleData.Classifier(4, 8, 3), train, Options);
        session.RunEpoch();
        var bytes = session.Snapshot().ToBytes();
        Assert.Throws<InvalidDataException>(() => TrainingSnapshot.FromBytes(bytes.AsSpan(0, bytes.Length / 2)));
    }
}
