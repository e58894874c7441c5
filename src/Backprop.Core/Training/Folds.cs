namespace Backprop.Core.Training;

/// <summary>
/// One fold of k-fold cross-validation: the rows assigned to fold <paramref name="Index"/> are the validation split,
/// the others the training split.
/// </summary>
/// <param name="Index">The held-out fold, 0 ≤ Index &lt; Count.</param>
/// <param name="Count">k, the number of folds.</param>
/// <param name="Stratified">Deal each class's rows over the folds separately, so every fold keeps the class
/// proportions.</param>
/// <param name="ShuffleSeed">Seed of the order in which rows are dealt.</param>
public sealed record CrossValidationFold(int Index, int Count, bool Stratified, ulong ShuffleSeed);

/// <summary>Assignment of rows to k folds, as scikit-learn's (Stratified)KFold with shuffling: seeded, sizes differing
/// by at most one.</summary>
public static class Folds
{
    /// <summary>
    /// The fold of each row. Rows are put in a seeded random order (per class when <paramref name="stratified"/> and
    /// the data is a classification) and dealt to folds 0, 1, …, k−1, 0, …; the classes continue one another's deal, so
    /// fold sizes differ by at most one overall and each class's count per fold by at most one.
    /// </summary>
    public static int[] Assign(TrainingData data, int folds, bool stratified, ulong seed)
    {
        if (folds < 2 || folds > data.Rows) throw new ArgumentOutOfRangeException(nameof(folds),
            $"Folds must be in 2..{data.Rows}, got {folds}.");
        ulong stream = SplitMix64.Stream(seed, SplitMix64.Streams.Folds);
        var groups = stratified && data.Task == TaskKind.Classification
            ? Enumerable.Range(0, data.Rows).GroupBy(i => data.Labels![i]).OrderBy(g => g.Key).Select(g => g.ToArray())
            : [Enumerable.Range(0, data.Rows).ToArray()];
        var fold = new int[data.Rows];
        int next = 0;
        foreach (var group in groups)
        {
            var keys = group.Select(i => SplitMix64.Next(stream, (ulong)i)).ToArray();
            Array.Sort(keys, group);
            foreach (int row in group) fold[row] = next++ % folds;
        }
        return fold;
    }
}
