namespace Backprop.Core.Training;

/// <summary>
/// The training and validation splits as the network sees them: normalised features and encoded targets
/// (one-hot, 0/1 for a single sigmoid unit, or standardised regression values), all row-major.
/// </summary>
internal sealed class PreparedData
{
    public required float[] TrainX { get; init; }               // (trainRows, width)
    public required float[] TrainY { get; init; }               // (trainRows, outputs)
    public required int[]? TrainLabels { get; init; }           // (trainRows)
    public required int TrainRows { get; init; }
    public required float[] ValidationX { get; init; }          // (validationRows, width)
    public required float[] ValidationY { get; init; }          // (validationRows, outputs)
    public required int[]? ValidationLabels { get; init; }
    public required int ValidationRows { get; init; }
    public required int[] ValidationIndices { get; init; }      // rows of the original data held out
    // (trainRows) loss weight per row: sample weight × class weight; null = all 1
    public required float[]? TrainW { get; init; }
    public required float[]? ValidationW { get; init; }         // (validationRows)
    public required TabularPreparation? Preparation { get; init; }
    public required double[]? ClassWeights { get; init; }       // resolved per class index
    public required Normalizer InputNormalizer { get; init; }
    public required Normalizer? TargetNormalizer { get; init; }
    public required double[] TrainTargetVariance { get; init; } // per output, normalised units (R² denominators)
    public required double[] ValidationTargetVariance { get; init; }

    public static PreparedData Create(TrainingData data, NetworkSpec spec, TrainingOptions options, ulong seed)
    {
        var (trainIdx, valIdx) = options.Fold is { } fold ? FoldSplit(data, fold)
            : Split(data, options.ValidationFraction, seed);
        TabularPreparation? preparation = null;
        float[] features = data.Features;
        int width = data.Width;
        if (data.Columns is { } columns)
        {
            preparation = TabularPreparation.Fit(columns, data.Features, trainIdx, options.Preparation);
            width = preparation.EncodedWidth;
            if (width != spec.InputWidth)
                throw new InvalidTrainingOptionsException(
                    [new("network.inputWidth", $"The prepared inputs are {width} wide ({DescribeWidth(preparation)}) "
                    + $"but the network expects {spec.InputWidth}; set inputWidth to {width}.")]);
            features = preparation.EncodeTable(columns, data.Features, data.Rows);
        }
        var inputNormalizer = Normalizer.Fit(options.Normalization, features, width, trainIdx);
        int outputs = spec.OutputWidth;
        Normalizer? targetNormalizer = data.Task == TaskKind.Regression
            ? Normalizer.Fit(options.StandardizeTargets ? NormalizationKind.ZScore : NormalizationKind.None,
                data.Targets, data.TargetWidth, trainIdx)
            : null;

        var (trainX, trainY, trainLabels) = Gather(data, features, width, trainIdx, inputNormalizer, targetNormalizer,
            outputs);
        var (valX, valY, valLabels) = Gather(data, features, width, valIdx, inputNormalizer, targetNormalizer, outputs);
        var classWeights = options.ClassWeights?.Resolve(trainLabels!, data.ClassCount);
        return new PreparedData
        {
            TrainW = RowWeights(data, trainIdx, classWeights), ValidationW = RowWeights(data, valIdx, classWeights),
            Preparation = preparation, ClassWeights = classWeights,
            TrainX = trainX, TrainY = trainY, TrainLabels = trainLabels, TrainRows = trainIdx.Length,
            ValidationX = valX, ValidationY = valY, ValidationLabels = valLabels, ValidationRows = valIdx.Length,
                ValidationIndices = valIdx,
            InputNormalizer = inputNormalizer, TargetNormalizer = targetNormalizer,
            TrainTargetVariance = ColumnVariance(trainY, trainIdx.Length, outputs),
            ValidationTargetVariance = ColumnVariance(valY, valIdx.Length, outputs),
        };
    }

    /// <summary>The preparation training would fit (null for an all-numeric dataset), without preparing anything
    /// else.</summary>
    public static TabularPreparation? FitPreparation(TrainingData data, TrainingOptions options, ulong seed) =>
        data.Columns is { } columns ? TabularPreparation.Fit(columns, data.Features,
            Split(data, options.ValidationFraction, seed).Train, options.Preparation) : null;

    // Stratified for classification: each class gives round(fraction · its count) rows, chosen by seeded keys.
    private static (int[] Train, int[] Validation) Split(TrainingData data, double fraction, ulong seed)
    {
        if (fraction <= 0) return (Enumerable.Range(0, data.Rows).ToArray(), []);
        ulong stream = SplitMix64.Stream(seed, SplitMix64.Streams.Split);
        var groups = data.Task == TaskKind.Classification
            ? Enumerable.Range(0, data.Rows).GroupBy(i => data.Labels![i]).Select(g => g.ToArray())
            : [Enumerable.Range(0, data.Rows).ToArray()];
        var validation = new List<int>();
        foreach (var group in groups)
        {
            var keys = group.Select(i => SplitMix64.Next(stream, (ulong)i)).ToArray();
            Array.Sort(keys, group);
            validation.AddRange(group.Take((int)Math.Round(group.Length * fraction)));
        }
        // tiny classes rounded to nothing: fall back to a plain split
        if (validation.Count == 0 || validation.Count == data.Rows)
        {
            var all = Enumerable.Range(0, data.Rows).ToArray();
            var keys = all.Select(i => SplitMix64.Next(stream, (ulong)i)).ToArray();
            Array.Sort(keys, all);
            int held = Math.Clamp((int)Math.Round(data.Rows * fraction), 1, data.Rows - 1);
            validation = all.Take(held).ToList();
        }
        var isValidation = new bool[data.Rows];
        foreach (int i in validation) isValidation[i] = true;
        validation.Sort();
        return (Enumerable.Range(0, data.Rows).Where(i => !isValidation[i]).ToArray(), validation.ToArray());
    }

    private static (int[] Train, int[] Validation) FoldSplit(TrainingData data, CrossValidationFold fold)
    {
        var assigned = Folds.Assign(data, fold.Count, fold.Stratified, fold.ShuffleSeed);
        var rows = Enumerable.Range(0, data.Rows);
        return (rows.Where(i => assigned[i] != fold.Index).ToArray(), rows.Where(i => assigned[i] == fold.Index)
            .ToArray());
    }

    private static string DescribeWidth(TabularPreparation preparation) =>
        string.Join(", ", preparation.Columns.Select(c => $"{c.Name}: {c.Width}"));

    /// <summary>Loss weight of each listed row: its sample weight times its class's weight; null when every weight is
    /// 1.</summary>
    internal static float[]? RowWeights(TrainingData data, int[] rows, double[]? classWeights)
    {
        if (data.SampleWeights is null && classWeights is null) return null;
        var weights = new float[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            double w = data.SampleWeights?[rows[i]] ?? 1;
            if (classWeights is not null) w *= classWeights[data.Labels![rows[i]]];
            weights[i] = (float)w;
        }
        return weights;
    }

    private static (float[] X, float[] Y, int[]? Labels) Gather(TrainingData data, float[] features, int width,
        int[] rows, Normalizer inputs, Normalizer? targets, int outputs)
    {
        // Untouched features (no split, no scaling) are used in place: no second copy of a large dataset.
        bool inPlace = inputs.Kind == NormalizationKind.None && rows.Length == data.Rows;
        var x = inPlace ? features : new float[rows.Length * width];
        var y = new float[rows.Length * outputs];
        int[]? labels = data.Task == TaskKind.Classification ? new int[rows.Length] : null;
        for (int r = 0; r < rows.Length; r++)
        {
            if (!inPlace) inputs.Apply(features.AsSpan(rows[r] * width, width), x.AsSpan(r * width, width));
            if (labels is not null)
            {
                int label = data.Labels![rows[r]];
                labels[r] = label;
                if (outputs == 1) y[r] = label; // one sigmoid unit for two classes: target 0 or 1
                else y[r * outputs + label] = 1f;
            }
            else targets!.Apply(data.Targets.AsSpan(rows[r] * outputs, outputs), y.AsSpan(r * outputs, outputs));
        }
        return (x, y, labels);
    }

    private static double[] ColumnVariance(float[] values, int rows, int cols)
    {
        var variance = new double[cols];
        if (rows == 0) return variance;
        for (int c = 0; c < cols; c++)
        {
            double mean = 0, sq = 0;
            for (int r = 0; r < rows; r++) mean += values[r * cols + c];
            mean /= rows;
            for (int r = 0; r < rows; r++) { double d = values[r * cols + c] - mean; sq += d * d; }
            variance[c] = sq / rows;
        }
        return variance;
    }
}
