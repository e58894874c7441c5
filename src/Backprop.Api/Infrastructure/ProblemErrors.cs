
namespace Backprop.Api.Infrastructure;

/// <summary>Collects validation problems keyed by the field path, as ValidationProblem expects.</summary>
public sealed class ProblemErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public ProblemErrors Add(string path, string message)
    {
        if (!_errors.TryGetValue(path, out var list)) _errors[path] = list = [];
        list.Add(message);
        return this;
    }

    public ProblemErrors AddRange(IEnumerable<SpecError> errors, string prefix = "")
    {
        foreach (var e in errors) Add(prefix + e.Path, $"{e.Message} {e.Fix}");
        return this;
    }

    public ProblemErrors AddRange(IEnumerable<OptionError> errors, string prefix = "")
    {
        foreach (var e in errors) Add(prefix + e.Path, e.Message);
        return this;
    }

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(p => p.Key, p => p.Value.ToArray());

    public static ProblemErrors Single(string path, string message) => new ProblemErrors().Add(path, message);
}

public static class ProblemErrorExtensions
{
    public static Dictionary<string, string[]> ToProblemErrors(this IEnumerable<SpecError> errors) =>
        new ProblemErrors().AddRange(errors).ToDictionary();
    public static Dictionary<string, string[]> ToProblemErrors(this IEnumerable<OptionError> errors) =>
        new ProblemErrors().AddRange(errors).ToDictionary();

    /// <summary>JSON can't carry NaN or ±∞ (and the API never sends them): non-finite becomes null.</summary>
    public static double? Finite(this double value) => double.IsFinite(value) ? value : null;
    public static double? Finite(this double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
