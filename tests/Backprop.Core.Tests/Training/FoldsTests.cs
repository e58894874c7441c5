namespace Backprop.Core.Tests.Training;

public class FoldsTests
{
    [Fact]
    public void Assign_Stratified_KeepsEachClassProportionInEveryFold()
    {
        var (train, _) = SampleData.Load("iris");
        const int k = 5;
        var fold = Folds.Assign(train, k, stratified: true, seed: 3);

        for (int c = 0; c < 3; c++)
        {
            int total = train.Labels!.Count(l => l == c);
            for (int f = 0; f < k; f++)
            {
                int inFold = Enumerable.Range(0, train.Rows).Count(i => fold[i] == f && train.Labels![i] == c);
                Assert.True(Math.Abs(inFold - total / (double)k) < 1,
                    $"class {c} has {inFold} rows in fold {f}, expected {total / (double)k} ± <1");
            }
        }
        for (int f = 0; f < k; f++) Assert.Equal(train.Rows / k, fold.Count(x => x == f)); // 120 rows: 24 per fold
    }

    [Fact]
    public void Assign_SameSeed_SameFolds_DifferentSeed_DifferentFolds()
    {
        var (train, _) = SampleData.Load("iris");
        Assert.Equal(Folds.Assign(train, 4, false, 1), Folds.Assign(train, 4, false, 1));
        Assert.NotEqual(Folds.Assign(train, 4, false, 1), Folds.Assign(train, 4, false, 2));
    }

    [Fact]
    public void TrainingWithAFold_ValidatesOnExactlyThatFoldsRows()
    {
        var (train, _) = SampleData.Load("iris");
        var fold = Folds.Assign(train, 3, true, 8);
        var session = TrainingSession.Start(SampleData.Classifier(4, 8, 3), train,
            new TrainingOptions { Epochs = 1, Fold = new CrossValidationFold(1, 3, true, 8) });
        Assert.Equal(Enumerable.Range(0, train.Rows).Where(i => fold[i] == 1), session.ValidationIndices);
    }
}
