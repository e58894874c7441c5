namespace Backprop.Core.Tests.Training;

public class DatasetShapeTests
{
    private static readonly TrainingData ThreeClasses =
        TrainingData.Classification(new float[6 * 4], 6, 4, [0, 1, 2, 0, 1, 2], 3);

    private static readonly TrainingData OneTarget =
        TrainingData.Regression(new float[5 * 2], 5, 2, new float[5], 1);

    [Fact]
    public void Shape_OfTrainingData_CarriesItsSizes()
    {
        Assert.Equal(new DatasetShape(TaskKind.Classification, 6, 4, 3, 0), ThreeClasses.Shape);
        Assert.Equal(new DatasetShape(TaskKind.Regression, 5, 2, 0, 1), OneTarget.Shape);
    }

    [Fact]
    public void CompatibilityWith_MatchingNetwork_FindsNothing()
    {
        var classifier = new NetworkSpec(4, [new(8, ActivationKind.Relu), new(3, ActivationKind.Softmax)],
            LossKind.CategoricalCrossEntropy);
        var binary = new NetworkSpec(4, [new(1, ActivationKind.Sigmoid)], LossKind.BinaryCrossEntropy);

        Assert.Empty(new DatasetShape(TaskKind.Classification, 6, 4, 3, 0).CompatibilityWith(classifier));
        Assert.Empty(new DatasetShape(TaskKind.Classification, 6, 4, 2, 0).CompatibilityWith(binary));
    }

    [Fact]
    public void CompatibilityWith_WrongWidthAndClasses_NamesBothFields()
    {
        var spec = new NetworkSpec(5, [new(8, ActivationKind.Relu), new(2, ActivationKind.Softmax)],
            LossKind.CategoricalCrossEntropy);

        var errors = new DatasetShape(TaskKind.Classification, 6, 4, 3, 0).CompatibilityWith(spec).Select(e => e.Path);

        Assert.Equal(["network.inputWidth", "network.layers"], errors);
    }

    [Fact]
    public void CompatibilityWith_RegressionIntoSoftmax_NamesLayersAndLoss()
    {
        var spec = new NetworkSpec(2, [new(2, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy);

        var errors = new DatasetShape(TaskKind.Regression, 5, 2, 0, 1).CompatibilityWith(spec).Select(e => e.Path);

        Assert.Equal(["network.layers", "network.layers", "network.loss"], errors);
    }
}
