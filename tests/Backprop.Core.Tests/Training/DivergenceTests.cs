
namespace Backprop.Core.Tests.Training;

public class DivergenceTests
{
    [Fact]
    public void HugeLearningRate_StopsWithReason_AndKeepsFiniteWeights()
    {
        var data = SampleData.Linear(200);
        var spec = new NetworkSpec(2, [new LayerSpec(8, ActivationKind.Relu), new LayerSpec(1, ActivationKind.Identity)], LossKind.MeanSquaredError, Seed: 1);
        var session = TrainingSession.Start(spec, data, new TrainingOptions
        {
            Epochs = 100, BatchSize = 8, Normalization = NormalizationKind.None, StandardizeTargets = false,
            Optimizer = new(OptimizerKind.Sgd, 1e3),
        });
        var reports = session.Run().ToList();

        Assert.Equal(StopReason.Diverged, session.StopReason);
        Assert.Contains($"diverged at epoch {reports.Count + 1}", session.StopMessage);
        Assert.True(reports.Count < 100, "training should stop early");
        Assert.All(session.Network.Parameters, p => Assert.True(float.IsFinite(p), "weights must stay finite"));
        Assert.All(reports, r => Assert.True(double.IsFinite(r.TrainLoss)));
    }

    [Fact]
    public void GradientClipping_BoundsTheUpdate_SoTheSameRateDoesNotDiverge()
    {
        var data = SampleData.Linear(200);
        var spec = new NetworkSpec(2, [new LayerSpec(1, ActivationKind.Identity)], LossKind.MeanSquaredError, Seed: 1);
        var options = new TrainingOptions { Epochs = 100, BatchSize = 200, Optimizer = new(OptimizerKind.Sgd, 3) }; // |1 − 3·λ| ≈ 5 per step: overflows float in ~60 steps

        var unclipped = TrainingSession.Start(spec, data, options);
        foreach (var _ in unclipped.Run()) { }
        var clipped = TrainingSession.Start(spec, data, options with { ClipGradientNorm = 0.1 });
        foreach (var _ in clipped.Run()) { }

        Assert.Equal(StopReason.Diverged, unclipped.StopReason);
        Assert.Equal(StopReason.Completed, clipped.StopReason);
    }
}
