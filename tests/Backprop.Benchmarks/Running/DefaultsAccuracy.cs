using System.Globalization;

namespace Backprop.Benchmarks.Running;

/// <summary>
/// Test accuracy of the suggested network (one hidden layer of 100 relu units) under the job defaults and under
/// variants that
/// differ in one choice each, on samples/iris-raw and samples/digits (the splits DefaultTrainingTests compares with
/// scikit-learn's <c>MLPClassifier()</c>), seeds 0-4. This is the path a job with only networkId and datasetId takes:
/// <see cref="TrainingOptions.WithDefaults"/>, z-score inputs fitted on the training split, then (refit) the epochs the
/// split chose again on every row from the same initial weights, the model evaluated on the test file.
/// </summary>
public static class DefaultsAccuracy
{
    private static readonly ulong[] Seeds = [0, 1, 2, 3, 4];

    private static TrainingOptions Defaults(EarlyStoppingSettings? stop = null, double? validation = null) =>
        TrainingOptions.WithDefaults(null, validation, stop);

    private static readonly (string Name, Func<TrainingOptions> Options, InitKind Init, bool Refit)[] Variants =
    [
        ("defaults (10 % split, validation loss, patience 10, then refit on all rows)", () => Defaults(),
            InitKind.Auto, true),
        ("refit: false (the split's best weights)", () => Defaults(), InitKind.Auto, false),
        ("defaults with glorot_uniform for the relu layer", () => Defaults(), InitKind.GlorotUniform, true),
        ("defaults with patience 20", () => Defaults(new(MonitoredMetric.ValidationLoss, 20)), InitKind.Auto, true),
        ("validation accuracy instead of loss (as scikit-learn's early_stopping=True)",
            () => Defaults(new(MonitoredMetric.ValidationAccuracy)), InitKind.Auto, true),
        ("validationFraction 0: all rows, training loss, patience 10",
            () => Defaults(validation: 0), InitKind.Auto, false),
        ("validationFraction 0, training loss, minDelta 1e-4 (scikit-learn's tol)",
            () => Defaults(new(MonitoredMetric.TrainLoss, 10, 1e-4, false), 0), InitKind.Auto, false),
    ];

    public static int Run(string? only)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Backprop.Api.sln"))) root = root.Parent;
        if (root is null)
        {
            Console.Error.WriteLine("Run from inside the repository (samples/ is read from its root).");
            return 2;
        }
        foreach (var sample in new[] { "iris-raw", "digits" })
        {
            var folder = Path.Combine(root.FullName, "samples", sample);
            var train = Load(Path.Combine(folder, "train.csv"), null);
            var test = Load(Path.Combine(folder, "test.csv"), train.ClassNames);
            foreach (var (name, options, init, refit) in Variants)
            {
                if (only is not null && !name.StartsWith(only, StringComparison.Ordinal)) continue;
                var accuracies = new List<double>();
                var epochs = new List<string>();
                foreach (var seed in Seeds)
                {
                    var spec = NetworkSuggestion.For(train.Width, train.Task, train.ClassCount, 0, seed)
                        with { Init = init };
                    var session = Train(spec, train, options());
                    string run = $"{session.Epoch}";
                    // as the job runner: the split's choice, again on every row from the same start
                    if (refit && session.SelectedEpochs is { } chosen)
                    {
                        session = Train(spec, train, session.Options.ForRefit(chosen));
                        run += $"+{session.Epoch}";
                    }
                    var model = TrainedModel.FromSession(session, train);
                    accuracies.Add(ModelEvaluation.Evaluate(model, test).Accuracy!.Value);
                    epochs.Add(run);
                }
                static string F4(double a) => a.ToString("F4", CultureInfo.InvariantCulture);
                Console.WriteLine($"| {sample} | {name} | {string.Join(" ", accuracies.Select(F4))} "
                    + $"| {F4(accuracies.Average())} | {string.Join(" ", epochs)} |");
            }
        }
        return 0;
    }

    private static TrainingSession Train(NetworkSpec spec, TrainingData data, TrainingOptions options)
    {
        var session = TrainingSession.Start(spec, data, options);
        foreach (var _ in session.Run()) { }
        return session;
    }

    /// <summary>A CSV with a header, numeric features and the class label last; class names in ordinal order (as the
    /// service's).</summary>
    private static TrainingData Load(string path, IReadOnlyList<string>? classes)
    {
        var lines = File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        int width = lines[0].Length - 1;
        classes ??= [.. lines.Select(l => l[^1]).Distinct().Order(StringComparer.Ordinal)];
        var features = new float[lines.Count * width];
        var labels = new int[lines.Count];
        for (int r = 0; r < lines.Count; r++)
        {
            for (int c = 0; c < width; c++)
                features[r * width + c] = float.Parse(lines[r][c], CultureInfo.InvariantCulture);
            labels[r] = classes.ToList().IndexOf(lines[r][^1]);
        }
        return TrainingData.Classification(features, lines.Count, width, labels, classes.Count, classes);
    }
}
