using Backprop.Core.Diagnostics;
using Backprop.Core.Tests.Training;

namespace Backprop.Core.Tests.Diagnostics;

/// <summary>Each diagnostic fires on a run built to show it, and healthy runs raise no warning.</summary>
public class TrainingDiagnosticsTests
{
    private static (TrainingSession Session, TrainingDiagnostics Diagnostics) Run(NetworkSpec spec, TrainingData data,
        TrainingOptions options, WarmStart? warmStart = null, DiagnosticThresholds? thresholds = null)
    {
        var session = TrainingSession.Start(spec, data, options, warmStart);
        var diagnostics = new TrainingDiagnostics(spec, options, thresholds);
        foreach (var report in session.Run()) diagnostics.Observe(report);
        if (session.StopReason == StopReason.Diverged) diagnostics.ObserveDivergence(session.Epoch + 1,
            session.StopMessage!);
        return (session, diagnostics);
    }

    private static string Codes(TrainingDiagnostics d) => string.Join(", ",
        d.Findings.Select(f => $"{f.Code}@{f.Layer}:{f.Severity}"));

    private static Finding Single(TrainingDiagnostics d, string code)
    {
        var found = d.Findings.Where(f => f.Code == code).ToList();
        Assert.True(found.Count > 0, $"expected {code}; found: {Codes(d)}");
        return found[0];
    }

    private static void NoWarnings(TrainingDiagnostics d) =>
        Assert.True(d.Findings.All(f => f.Severity == FindingSeverity.Info), $"unexpected findings: {Codes(d)}");

    private static readonly (TrainingData Train, TrainingData Test) Iris = SampleData.Load("iris");

    [Fact]
    public void HealthyIris_RaisesNoWarning()
    {
        var (_, d) = Run(SampleData.Classifier(4, 16, 3), Iris.Train, new TrainingOptions
        {
            Epochs = 200, BatchSize = 16, ValidationFraction = 0.2, Optimizer = new(OptimizerKind.Adam, 0.01),
            EarlyStopping = new EarlyStoppingSettings(Patience: 10),
        });
        NoWarnings(d);
        // seen, and handled by restoring the best weights
        Assert.Contains(d.Findings, f => f.Code == FindingCodes.Overfitting);
    }

    [Fact]
    public void HealthyDigits_RaisesNoWarning()
    {
        var (train, _) = SampleData.Load("digits");
        var (_, d) = Run(SampleData.Classifier(64, 64, 10), train,
            new TrainingOptions { Epochs = 30, BatchSize = 32, ValidationFraction = 0.2,
                Optimizer = new(OptimizerKind.Adam, 0.001) });
        NoWarnings(d);
    }

    [Fact]
    public void DeepSigmoidWithSmallWeights_ReportsVanishingGradients()
    {
        var layers = Enumerable.Range(0, 9).Select(_ => new LayerSpec(16, ActivationKind.Sigmoid))
            .Append(new LayerSpec(3, ActivationKind.Softmax)).ToList();
        var spec = new NetworkSpec(4, layers, LossKind.CategoricalCrossEntropy, Seed: 3);
        var network = Network<float>.Create(spec);
        var small = network.Parameters.Select(w => w * 0.1f).ToArray();
        var (_, d) = Run(spec, Iris.Train, new TrainingOptions { Epochs = 10, BatchSize = 16,
            Optimizer = new(OptimizerKind.Sgd, 0.1) }, new WarmStart(small));
        var finding = Single(d, FindingCodes.VanishingGradients);
        Assert.Equal(0, d.Findings.Where(f => f.Code == FindingCodes.VanishingGradients).Min(f => f.Layer));
        Assert.True(finding.Evidence["gradientRatio"] < finding.Evidence["threshold"]);
    }

    [Fact]
    public void ReluLayerWithLargeNegativeBiases_ReportsDeadUnits()
    {
        var spec = SampleData.Classifier(4, 32, 3);
        var network = Network<float>.Create(spec);
        var parameters = (float[])network.Parameters.Clone();
        var hidden = network.Layout[0];
        parameters.AsSpan(hidden.BiasOffset, hidden.Units).Fill(-10f);
        var (_, d) = Run(spec, Iris.Train, new TrainingOptions { Epochs = 10, BatchSize = 16,
            Optimizer = new(OptimizerKind.Adam, 0.001) }, new WarmStart(parameters));
        var finding = Single(d, FindingCodes.DeadRelu);
        Assert.Equal(0, finding.Layer);
        Assert.Equal(1, finding.Epoch);
        Assert.Equal(1.0, finding.Evidence["inactiveFraction"]);
        Assert.Contains("100 % of its relu units", finding.Message);
    }

    [Fact]
    public void SigmoidOnLargeUnnormalisedInputs_ReportsSaturation()
    {
        var spec = new NetworkSpec(2, [new LayerSpec(16, ActivationKind.Sigmoid),
            new LayerSpec(1, ActivationKind.Identity)], LossKind.MeanSquaredError, Seed: 5);
        var (_, d) = Run(spec, SampleData.Linear(200),
            new TrainingOptions { Epochs = 5, BatchSize = 20, Normalization = NormalizationKind.None,
                Optimizer = new(OptimizerKind.Sgd, 0.01) });
        var finding = Single(d, FindingCodes.SaturatedUnits);
        Assert.Equal(0, finding.Layer);
        Assert.True(finding.Evidence["saturatedFraction"] >= 0.5);
    }

    [Fact]
    public void LearningRateFarTooHigh_ReportsIt()
    {
        var (_, d) = Run(SampleData.Classifier(4, 16, 3), Iris.Train,
            new TrainingOptions { Epochs = 60, BatchSize = 16, Optimizer = new(OptimizerKind.Adam, 1.0) });
        Assert.Contains(d.Findings, f =>
            f.Code is FindingCodes.LearningRateTooHigh or FindingCodes.ExplodingGradients or FindingCodes.NonFinite);
        Assert.Contains(d.Findings, f => f.Severity >= FindingSeverity.Warning);
    }

    [Fact]
    public void TinyLearningRate_ReportsPlateau()
    {
        var (_, d) = Run(SampleData.Classifier(4, 16, 3), Iris.Train,
            new TrainingOptions { Epochs = 30, BatchSize = 16, Optimizer = new(OptimizerKind.Adam, 1e-7) });
        var finding = Single(d, FindingCodes.Plateau);
        Assert.True(finding.Evidence["improvement"] < 0.01);
    }

    [Fact]
    public void LargeNetworkOnTinyTrainingSet_ReportsOverfittingWithBestEpoch()
    {
        // 120 training rows against 256 hidden units and no regularisation: validation loss bottoms out early and
        // doubles.
        var (_, d) = Run(SampleData.Classifier(4, 256, 3), Iris.Train,
            new TrainingOptions { Epochs = 200, BatchSize = 16, ValidationFraction = 0.2,
                Optimizer = new(OptimizerKind.Adam, 0.01) });
        var finding = Single(d, FindingCodes.Overfitting);
        Assert.True(finding.Evidence["bestEpoch"] >= 1 && finding.Evidence["bestEpoch"] < finding.Epoch);
        Assert.Contains($"epoch {(int)finding.Evidence["bestEpoch"]}", finding.Fix);
    }

    [Fact]
    public void ZeroBiasLearningRate_ReportsFrozenBiases()
    {
        var spec = new NetworkSpec(4, [new LayerSpec(16, ActivationKind.Relu, BiasLearningRateMultiplier: 0),
            new LayerSpec(3, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy, Seed: 7);
        var (session, d) = Run(spec, Iris.Train, new TrainingOptions { Epochs = 10, BatchSize = 16,
            Optimizer = new(OptimizerKind.Adam, 0.01) });
        var finding = Single(d, FindingCodes.FrozenBiases);
        Assert.Equal(0, finding.Layer);
        Assert.All(session.Network.Biases(session.Network.Layout[0]).ToArray(), b => Assert.Equal(0f, b));
        Assert.DoesNotContain(d.Findings, f => f.Code == FindingCodes.FrozenBiases && f.Layer == 1);
    }

    [Fact]
    public void ResumedFromState_FindsWhatAnUninterruptedRunFinds()
    {
        var spec = SampleData.Classifier(4, 16, 3);
        var options = new TrainingOptions { Epochs = 30, BatchSize = 16, Optimizer = new(OptimizerKind.Adam, 1e-7) };
        var reports = TrainingSession.Start(spec, Iris.Train, options).Run().ToList();
        var whole = new TrainingDiagnostics(spec, options);
        foreach (var r in reports) whole.Observe(r);
        var first = new TrainingDiagnostics(spec, options);
        foreach (var r in reports.Take(13)) first.Observe(r);
        var resumed = new TrainingDiagnostics(spec, options, null, first.State);
        foreach (var r in reports) resumed.Observe(r); // epochs already seen are skipped
        Assert.Equal(Codes(whole), Codes(resumed));
        Assert.Equal(whole.Findings.Select(f => (f.Epoch, f.LastEpoch, f.Message)), resumed.Findings.Select(f =>
            (f.Epoch, f.LastEpoch, f.Message)));
    }

    [Fact]
    public void Thresholds_OutOfRange_AreNamed()
    {
        var problems = new DiagnosticThresholds(MinEpochs: 0, DeadUnitFraction: 2, VanishingRatio: -1).Validate()
            .Select(p => p.Property).ToList();
        Assert.Equal(["minEpochs", "deadUnitFraction", "vanishingRatio"], problems);
        Assert.Empty(DiagnosticThresholds.Default.Validate());
    }

    [Theory]
    [InlineData(64)]
    [InlineData(13)]
    [InlineData(3)]
    public void ColumnMax_MatchesScalarReference(int units)
    {
        const int rows = 37;
        var z = Enumerable.Range(0, rows * units).Select(i => (float)Math.Sin(i * 0.71) * 5).ToArray();
        var max = Enumerable.Repeat(float.NegativeInfinity, units).ToArray();
        UnitActivity.ColumnMax(z, units, max);
        for (int j = 0; j < units; j++)
            Assert.Equal(Enumerable.Range(0, rows).Max(r => z[r * units + j]), max[j]);
    }

    [Fact]
    public void CountBeyond_MatchesScalarReference()
    {
        var values = Enumerable.Range(0, 1003).Select(i => (float)Math.Sin(i * 0.37) * 8).ToArray();
        long expected = values.Count(v => Math.Abs(v) > 4.595f);
        Assert.Equal(expected, UnitActivity.CountBeyond(values, 4.595f));
    }
}
