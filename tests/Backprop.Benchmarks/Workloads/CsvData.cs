using System.Globalization;

namespace Backprop.Benchmarks.Workloads;

/// <summary>W4 and the other real datasets: <c>x0,…,x{F-1},label</c> CSV files, features written so they parse back to
/// the exact float32.</summary>
public static class CsvData
{
    /// <summary>Loads <c>{directory}/train.csv</c> and <c>{directory}/test.csv</c>.</summary>
    public static WorkloadData Load(string directory, int classCount) =>
        new(LoadSplit(Path.Combine(directory, "train.csv")), LoadSplit(Path.Combine(directory, "test.csv")),
            classCount);

    public static DataSplit LoadSplit(string path)
    {
        var lines = File.ReadAllLines(path);
        int width = lines[0].Split(',').Length - 1;
        int rows = lines.Length - 1;
        while (rows > 0 && string.IsNullOrWhiteSpace(lines[rows])) rows--; // tolerate a trailing blank line
        var features = new float[rows * width];
        var labels = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            var cells = lines[r + 1].Split(',');
            if (cells.Length != width + 1) throw new FormatException(
                $"{path}:{r + 2}: expected {width + 1} cells, got {cells.Length}.");
            for (int f = 0; f < width; f++)
                features[r * width + f] = float.Parse(cells[f], NumberStyles.Float, CultureInfo.InvariantCulture);
            labels[r] = int.Parse(cells[width], NumberStyles.Integer, CultureInfo.InvariantCulture);
        }
        return new DataSplit(features, labels, rows, width);
    }
}
