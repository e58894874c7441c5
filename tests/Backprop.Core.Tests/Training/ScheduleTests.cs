
namespace Backprop.Core.Tests.Training;

public class ScheduleTests
{
    [Fact]
    public void StepExponentialAndCosine_FollowTheirFormulas()
    {
        var step = new LearningRateSchedule(new ScheduleSettings(ScheduleKind.Step, StepSize: 2, Gamma: 0.5), 1.0, 10);
        Assert.Equal([1, 1, 0.5, 0.5, 0.25], Enumerable.Range(0, 5).Select(step.RateFor));

        var exponential = new LearningRateSchedule(new ScheduleSettings(ScheduleKind.Exponential, Gamma: 0.9), 1.0, 10);
        Assert.Equal(0.9 * 0.9 * 0.9, exponential.RateFor(3), 12);

        var cosine = new LearningRateSchedule(new ScheduleSettings(ScheduleKind.Cosine, MinLearningRate: 0.1), 1.0, 10);
        Assert.Equal(1.0, cosine.RateFor(0), 12);
        Assert.Equal(0.55, cosine.RateFor(5), 12);
        Assert.Equal(0.1, cosine.RateFor(10), 12);
    }

    [Fact]
    public void Cosine_AfterItsPeriod_HoldsTheMinimumInsteadOfRisingAgain()
    {
        var cosine = new LearningRateSchedule(new ScheduleSettings(ScheduleKind.Cosine, CosineEpochs: 4,
            MinLearningRate: 0.1), 1.0, 20);
        // PyTorch's CosineAnnealingLR would be back near 1.0 at 8
        Assert.Equal([0.1, 0.1, 0.1], new[] { 4, 7, 19 }.Select(cosine.RateFor));
    }

    [Fact]
    public void MinimumLearningRate_IsScaledByTheLayersMultiplier()
    {
        // The schedule gives the base rate (min at the end of the period); each layer then multiplies it, the minimum
        // included.
        var spec = new NetworkSpec(1, [new LayerSpec(1, ActivationKind.Relu, LearningRateMultiplier: 0.5),
            new LayerSpec(1, ActivationKind.Identity)], LossKind.MeanSquaredError);
        var optimizer = new Optimizer(new OptimizerSettings(OptimizerKind.Sgd, 1.0), spec, new ParameterLayout(spec));
        double min = new LearningRateSchedule(new ScheduleSettings(ScheduleKind.Cosine, CosineEpochs: 2,
            MinLearningRate: 0.2), 1.0, 5).RateFor(3);
        var p = new float[4];
        optimizer.Apply(p, [1f, 1f, 1f, 1f], min);
        Assert.Equal([-0.1f, -0.1f, -0.2f, -0.2f], p); // first layer: 0.5 · 0.2; output layer: 0.2
    }

    [Fact]
    public void ReduceOnPlateau_HalvesAfterPatienceEpochsWithoutImprovement()
    {
        var schedule = new LearningRateSchedule(new ScheduleSettings(ScheduleKind.ReduceOnPlateau, Factor: 0.5,
            Patience: 2), 1.0, 10);
        foreach (var loss in new[] { 1.0, 0.9, 0.9, 0.9 }) schedule.Observe(loss);
        Assert.Equal(1.0, schedule.RateFor(4)); // two bad epochs: not yet more than patience
        schedule.Observe(0.95);
        Assert.Equal(0.5, schedule.RateFor(5));
    }

    [Fact]
    public void InvalidOptions_AreReportedWithTheirPath()
    {
        var errors = new TrainingOptions { Epochs = 0, BatchSize = -1, Optimizer = new(LearningRate: double.NaN),
            Schedule = new(Gamma: 2) }
            .Validate(100, TaskKind.Classification);
        Assert.Contains(errors, e => e.Path == "epochs");
        Assert.Contains(errors, e => e.Path == "batchSize");
        Assert.Contains(errors, e => e.Path == "optimizer.learningRate");
        Assert.Contains(errors, e => e.Path == "schedule.gamma");
    }

    [Fact]
    public void EarlyStoppingOnValidationLoss_WithoutSplit_IsRefused()
    {
        var errors = new TrainingOptions { EarlyStopping = new() }.Validate(100, TaskKind.Classification);
        Assert.Contains(errors, e => e.Path == "earlyStopping.monitor" && e.Message.Contains("validationFraction"));
    }
}
