namespace Backprop.Core.Training;

/// <summary>
/// A training run's working memory in bytes, estimated from shapes alone (before any of it is allocated), in long
/// arithmetic: what <see cref="TrainingSession"/> allocates for a run of these options on a dataset of this size.
/// </summary>
/// <param name="Batch">Rows per batch (the batch size, or the training rows when fewer).</param>
/// <param name="ActivationBytes">Pre-activations and activations of every layer and two delta buffers, per batch:
/// <c>batch × (2 Σ units + 2 max width + inputs + outputs)</c> floats.</param>
/// <param name="ParameterBytes">Parameters, gradient and the copies a run keeps (previous step, epoch start, best
/// weights), optimizer moments and their epoch-start copies, and a checkpoint's snapshot of them.</param>
/// <param name="DataBytes">The decoded dataset, its normalised copy and encoded targets, and the shuffle's
/// buffers.</param>
public sealed record TrainingMemory(int Batch, long ActivationBytes, long ParameterBytes, long DataBytes)
{
    /// <summary>Everything together.</summary>
    public long TotalBytes => ActivationBytes + ParameterBytes + DataBytes;

    /// <summary>Activation bytes per batch row: the part a smaller batch saves.</summary>
    public long ActivationBytesPerRow => Batch == 0 ? 0 : ActivationBytes / Batch;

    /// <summary>The estimate for <paramref name="spec"/> trained with <paramref name="options"/> on <paramref
    /// name="rows"/> rows of <paramref name="width"/> features and <paramref name="targetWidth"/> raw target columns.
    /// Widths must be positive.</summary>
    public static TrainingMemory Estimate(NetworkSpec spec, TrainingOptions options, long rows, int width,
        int targetWidth = 1)
    {
        long trainRows = options.ValidationFraction is > 0 and < 1 ? rows - (long)Math.Round(rows
            * options.ValidationFraction) : rows;
        int batch = (int)Math.Clamp(Math.Min(options.BatchSize, trainRows), 1, int.MaxValue);
        long units = 0, maxWidth = spec.InputWidth, parameters = 0, fanIn = spec.InputWidth;
        foreach (var layer in spec.Layers)
        {
            units += layer.Units;
            maxWidth = Math.Max(maxWidth, layer.Units);
            parameters += (fanIn + 1) * layer.Units;
            fanIn = layer.Units;
        }
        long outputs = spec.OutputWidth;
        long activations = batch * (2 * units + 2 * maxWidth + spec.InputWidth + outputs) * sizeof(float);

        // As Optimizer allocates them: a first moment for all but plain SGD, a second for Adam, AdamW and RMSProp.
        var kind = options.Optimizer.Kind;
        int moments = (kind is OptimizerKind.Sgd ? 0 : 1)
            + (kind is OptimizerKind.Adam or OptimizerKind.AdamW or OptimizerKind.RmsProp ? 1 : 0);
        bool best = options.EarlyStopping is { RestoreBestWeights: true };
        // Parameters, gradient, before-update, epoch start (+ best weights), the initialiser's scratch (2); moments and
        // their epoch-start copies; a checkpoint's snapshot of parameters and moments, its serialisation stream and
        // bytes (4 each).
        long parameterCopies = 4 + (best ? 1 : 0) + 2 + 2 * moments + 4 * (1 + moments);
        long parameterBytes = parameters * parameterCopies * sizeof(float);

        long raw = rows * (width + targetWidth) * sizeof(float);
        long prepared = rows * (width + outputs) * sizeof(float) + rows * sizeof(int);
        long shuffle = options.Shuffle ? trainRows * 2 * (sizeof(int) + sizeof(ulong)) : 0;
        return new TrainingMemory(batch, activations, parameterBytes, raw + prepared + shuffle);
    }
}
