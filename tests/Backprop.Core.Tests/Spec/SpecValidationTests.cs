namespace Backprop.Core.Tests.Spec;

public class SpecValidationTests
{
    private static NetworkSpec Net(LossKind loss, params LayerSpec[] layers) => new(4, layers, loss);

    private static readonly LayerSpec Hidden = new(8, ActivationKind.Relu);

    // One invalid configuration per cause: the code it must produce, the field its Path must name, and how many errors
    // in all.
    private static readonly Dictionary<string, (NetworkSpec Spec, SpecErrorCode Code, string Path,
        int Count)> Invalid = new()
    {
        ["softmax output with MSE"] = (Net(LossKind.MeanSquaredError, Hidden, new(3, ActivationKind.Softmax)),
            SpecErrorCode.SoftmaxRequiresCategoricalCrossEntropy, "loss", 1),
        ["softmax output with Huber"] = (Net(LossKind.Huber, Hidden, new(3, ActivationKind.Softmax)),
            SpecErrorCode.SoftmaxRequiresCategoricalCrossEntropy, "loss", 1),
        ["CCE after sigmoid"] = (Net(LossKind.CategoricalCrossEntropy, Hidden, new(3, ActivationKind.Sigmoid)),
            SpecErrorCode.CategoricalCrossEntropyRequiresSoftmax, "layers[1].activation", 1),
        ["BCE after tanh"] = (Net(LossKind.BinaryCrossEntropy, Hidden, new(1, ActivationKind.Tanh)),
            SpecErrorCode.BinaryCrossEntropyRequiresSigmoid, "layers[1].activation", 1),
        ["BCE after identity"] = (Net(LossKind.BinaryCrossEntropy, new LayerSpec(1, ActivationKind.Identity)),
            SpecErrorCode.BinaryCrossEntropyRequiresSigmoid, "layers[0].activation", 1),
        // Softmax with BCE breaks two rules: softmax needs CCE, and BCE needs sigmoid.
        ["BCE after softmax"] = (Net(LossKind.BinaryCrossEntropy, Hidden, new(3, ActivationKind.Softmax)),
            SpecErrorCode.BinaryCrossEntropyRequiresSigmoid, "layers[1].activation", 2),
        ["softmax in hidden layer"] = (Net(LossKind.CategoricalCrossEntropy, new(8, ActivationKind.Softmax),
            new(3, ActivationKind.Softmax)), SpecErrorCode.SoftmaxInHiddenLayer, "layers[0].activation", 1),
        ["softmax with one unit"] = (Net(LossKind.CategoricalCrossEntropy, Hidden, new(1, ActivationKind.Softmax)),
            SpecErrorCode.SoftmaxNeedsTwoOrMoreUnits, "layers[1].units", 1),
        ["step in hidden layer"] = (Net(LossKind.BinaryCrossEntropy, new(8, ActivationKind.Step),
            new(1, ActivationKind.Sigmoid)), SpecErrorCode.NonDifferentiableActivation, "layers[0].activation", 1),
        ["sign in output layer"] = (Net(LossKind.MeanSquaredError, Hidden, new(1, ActivationKind.Sign)),
            SpecErrorCode.NonDifferentiableActivation, "layers[1].activation", 1),
        ["zero units"] = (Net(LossKind.MeanSquaredError, new(0, ActivationKind.Relu), new(1, ActivationKind.Identity)),
            SpecErrorCode.NonPositiveUnits, "layers[0].units", 1),
        ["negative units"] = (Net(LossKind.MeanSquaredError, Hidden, new(-2, ActivationKind.Identity)),
            SpecErrorCode.NonPositiveUnits, "layers[1].units", 1),
        ["zero input width"] = (new(0, [new(1, ActivationKind.Identity)], LossKind.MeanSquaredError),
            SpecErrorCode.NonPositiveInputWidth, "inputWidth", 1),
        ["negative input width"] = (new(-3, [new(1, ActivationKind.Identity)], LossKind.MeanSquaredError),
            SpecErrorCode.NonPositiveInputWidth, "inputWidth", 1),
        ["no layers"] = (Net(LossKind.MeanSquaredError), SpecErrorCode.NoLayers, "layers", 1),
        ["learning-rate multiplier 0"] = (Net(LossKind.MeanSquaredError, Hidden with { LearningRateMultiplier = 0 },
            new(1, ActivationKind.Identity)), SpecErrorCode.InvalidLearningRateMultiplier,
                "layers[0].learningRateMultiplier", 1),
        ["learning-rate multiplier NaN"] = (Net(LossKind.MeanSquaredError, Hidden, new(1, ActivationKind.Identity,
            LearningRateMultiplier: double.NaN)), SpecErrorCode.InvalidLearningRateMultiplier,
                "layers[1].learningRateMultiplier", 1),
        ["learning-rate multiplier negative"] =
            (Net(LossKind.MeanSquaredError, Hidden with { LearningRateMultiplier = -1 },
                new(1, ActivationKind.Identity)), SpecErrorCode.InvalidLearningRateMultiplier,
                    "layers[0].learningRateMultiplier", 1),
        ["learning-rate multiplier infinite"] =
            (Net(LossKind.MeanSquaredError, Hidden with { LearningRateMultiplier = double.PositiveInfinity },
                new(1, ActivationKind.Identity)), SpecErrorCode.InvalidLearningRateMultiplier,
                    "layers[0].learningRateMultiplier", 1),
        ["negative L2"] = (Net(LossKind.MeanSquaredError, Hidden, new(1, ActivationKind.Identity, L2: -1e-4)),
            SpecErrorCode.InvalidL2, "layers[1].l2", 1),
        ["NaN L2"] = (Net(LossKind.MeanSquaredError, Hidden with { L2 = double.NaN }, new(1, ActivationKind.Identity)),
            SpecErrorCode.InvalidL2, "layers[0].l2", 1),
        ["negative leaky ReLU slope"] = (Net(LossKind.MeanSquaredError, new(8, ActivationKind.LeakyRelu, Slope: -0.01),
            new(1, ActivationKind.Identity)), SpecErrorCode.InvalidSlope, "layers[0].slope", 1),
        ["NaN ELU alpha"] = (Net(LossKind.MeanSquaredError, new(8, ActivationKind.Elu, Alpha: double.NaN),
            new(1, ActivationKind.Identity)), SpecErrorCode.InvalidSlope, "layers[0].alpha", 1),
        ["dropout 1"] = (Net(LossKind.MeanSquaredError, Hidden with { Dropout = 1 }, new(1, ActivationKind.Identity)),
            SpecErrorCode.InvalidDropout, "layers[0].dropout", 1),
        ["dropout on the output layer"] = (Net(LossKind.MeanSquaredError, Hidden, new(1, ActivationKind.Identity,
            Dropout: 0.5)), SpecErrorCode.InvalidDropout, "layers[1].dropout", 1),
        ["negative input dropout"] = (Net(LossKind.MeanSquaredError, Hidden,
            new(1, ActivationKind.Identity)) with { InputDropout = -0.1 }, SpecErrorCode.InvalidDropout,
                "inputDropout", 1),
        ["Huber delta 0"] = (Net(LossKind.Huber, new LayerSpec(1, ActivationKind.Identity)) with { HuberDelta = 0 },
            SpecErrorCode.InvalidHuberDelta, "huberDelta", 1),
        ["Huber delta NaN"] =
            (Net(LossKind.Huber, new LayerSpec(1, ActivationKind.Identity)) with { HuberDelta = double.NaN },
                SpecErrorCode.InvalidHuberDelta, "huberDelta", 1),
        ["Huber delta negative"] =
            (Net(LossKind.Huber, new LayerSpec(1, ActivationKind.Identity)) with { HuberDelta = -1 },
                SpecErrorCode.InvalidHuberDelta, "huberDelta", 1),
        ["unknown activation"] = (Net(LossKind.MeanSquaredError, new(8, (ActivationKind)99),
            new(1, ActivationKind.Identity)), SpecErrorCode.UnknownValue, "layers[0].activation", 1),
        ["unknown loss"] = (Net((LossKind)99, new LayerSpec(1, ActivationKind.Identity)), SpecErrorCode.UnknownValue,
            "loss", 1),
        ["unknown init"] = (Net(LossKind.MeanSquaredError, new LayerSpec(1, ActivationKind.Identity)) with { Init = (
            InitKind)99 }, SpecErrorCode.UnknownValue, "init", 1),
    };

    public static TheoryData<string> InvalidCases => new(Invalid.Keys);

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void InvalidSpec_ReportsItsCodeAtTheOffendingField(string name)
    {
        var (spec, code, path, count) = Invalid[name];
        var errors = NetworkSpecValidator.Validate(spec);
        Assert.Equal(count, errors.Count);
        var error = Assert.Single(errors, e => e.Code == code);
        Assert.Equal(path, error.Path);
        Assert.False(string.IsNullOrWhiteSpace(error.Message), "every error explains what is wrong");
        Assert.False(string.IsNullOrWhiteSpace(error.Fix), "every error says how to fix it");
    }

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void CreatingNetworkFromInvalidSpec_ThrowsWithTheValidatorsErrors(string name)
    {
        var spec = Invalid[name].Spec;
        var expected = NetworkSpecValidator.Validate(spec);
        Assert.Equal(expected, Assert.Throws<InvalidNetworkSpecException>(() => Network<float>.Create(spec)).Errors);
        Assert.Equal(expected, Assert.Throws<InvalidNetworkSpecException>(() => Network<double>.FromParameters(spec,
            new double[4])).Errors);
    }

    [Fact]
    public void EverySpecErrorCode_HasAnInvalidConfigurationThatProducesIt()
    {
        var covered = Invalid.Values.Select(c => c.Code).ToHashSet();
        Assert.All(Enum.GetValues<SpecErrorCode>(), code => Assert.Contains(code, covered));
    }

    [Fact]
    public void SpecWithSeveralProblems_ListsEveryOneInSpecOrder()
    {
        var spec = new NetworkSpec(0, [new(0, ActivationKind.Step, L2: -1), new(3, ActivationKind.Softmax)],
            LossKind.MeanSquaredError);
        var errors = NetworkSpecValidator.Validate(spec);
        Assert.Equal(
            [SpecErrorCode.NonPositiveInputWidth, SpecErrorCode.NonPositiveUnits,
                SpecErrorCode.NonDifferentiableActivation,
             SpecErrorCode.InvalidL2, SpecErrorCode.SoftmaxRequiresCategoricalCrossEntropy],
            errors.Select(e => e.Code));
        var thrown = Assert.Throws<InvalidNetworkSpecException>(spec.EnsureValid);
        Assert.All(errors, e => Assert.Contains(e.Path, thrown.Message));
    }

    public static TheoryData<ActivationKind, LossKind, int> ValidHeads => new()
    {
        { ActivationKind.Sigmoid, LossKind.BinaryCrossEntropy, 1 },
        { ActivationKind.Sigmoid, LossKind.BinaryCrossEntropy, 3 },
        { ActivationKind.Softmax, LossKind.CategoricalCrossEntropy, 3 },
        { ActivationKind.Identity, LossKind.MeanSquaredError, 2 },
        { ActivationKind.Sigmoid, LossKind.MeanSquaredError, 1 },
        { ActivationKind.Tanh, LossKind.Huber, 2 },
        { ActivationKind.Identity, LossKind.Huber, 1 },
    };

    [Theory]
    [MemberData(nameof(ValidHeads))]
    public void ValidOutputAndLossCombination_PassesAndBuildsANetwork(ActivationKind output, LossKind loss, int units)
    {
        var spec = new NetworkSpec(4, [new(5, ActivationKind.Tanh), new(units, output)], loss);
        Assert.Empty(NetworkSpecValidator.Validate(spec));
        var network = Network<float>.Create(spec);
        Assert.Equal(4 * 5 + 5 + 5 * units + units, spec.ParameterCount);
        Assert.Equal(spec.ParameterCount, network.Parameters.Length);
        Assert.Equal(units, network.OutputWidth);
    }

    [Fact]
    public void FieldsIgnoredByTheChosenKinds_AreNotValidated()
    {
        // Slope matters only to leaky ReLU / ELU, Huber delta only to the Huber loss.
        var spec = new NetworkSpec(2, [new(3, ActivationKind.Relu, Slope: -5), new(1, ActivationKind.Identity)],
            LossKind.MeanSquaredError, HuberDelta: -1);
        Assert.Empty(NetworkSpecValidator.Validate(spec));
    }

    [Fact]
    public void ParameterCount_SumsWeightsAndBiasesOfEveryLayer()
    {
        var spec = new NetworkSpec(32, [new(64, ActivationKind.Relu), new(64, ActivationKind.Relu),
            new(10, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy);
        Assert.Equal(32 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10, spec.ParameterCount); // 6922
        Assert.Equal(6922, new ParameterLayout(spec).Count);
        var layout = new ParameterLayout(spec);
        Assert.Equal(new LayerView(64, 64, 32 * 64 + 64, 32 * 64 + 64 + 64 * 64), layout[1]);
    }
}
