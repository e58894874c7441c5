using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Backprop.Api.Jobs;

namespace Backprop.Api.Selection;

/// <summary>
/// A search's parameters: their paths into the template and distributions, the trials' values (seeded random draws or
/// the grid, both a pure function of the request, so a search run again has the same trials), and the template with a
/// trial's values in place.
/// </summary>
public sealed partial class SearchSpace
{
    private readonly List<(string Path, DistributionRequest Distribution)> _dimensions;
    private readonly SearchRequest _request;

    private SearchSpace(SearchRequest request, List<(string, DistributionRequest)> dimensions)
    {
        _request = request;
        _dimensions = dimensions;
        TrialCount = request.Strategy == SearchStrategy.Grid
            ? Math.Min(request.MaxTrials ?? int.MaxValue, GridSize(dimensions))
            : request.MaxTrials ?? 10;
    }

    /// <summary>Trials the search runs.</summary>
    public int TrialCount { get; }

    /// <summary>The space of <paramref name="request"/>, or the problems with it keyed by their JSON path.</summary>
    public static (SearchSpace? Space, ProblemErrors Errors) Parse(SearchRequest request, int maxTrials)
    {
        var errors = new ProblemErrors();
        if (request.Network is null) errors.Add("network",
            "The network definition (as for POST /api/networks) is required.");
        if (request.Job is null) errors.Add("job",
            "The job template (a POST /api/jobs body without networkId) is required.");
        if (request.Space is null || request.Space.Count == 0) errors.Add("space",
            "Give at least one parameter, e.g. {\"job.optimizer.learningRate\": {\"logUniform\": [0.0001, 0.1]}}.");
        if (request.MaxTrials is { } asked && (asked < 1 || asked > maxTrials)) errors.Add("maxTrials",
            $"maxTrials must be between 1 and {maxTrials}, got {asked}.");
        if (request.MaxConcurrentTrials < 1) errors.Add("maxConcurrentTrials",
            $"maxConcurrentTrials must be at least 1, got {request.MaxConcurrentTrials}.");
        if (request.MaxWallSeconds is { } wall && !(wall > 0 && double.IsFinite(wall))) errors.Add("maxWallSeconds",
            $"maxWallSeconds must be positive, got {wall}.");
        if (!Enum.IsDefined(request.Strategy)) errors.Add("strategy", "Use random or grid.");
        if (MetricOf(request.Metric) is null) errors.Add("metric",
            $"Unknown metric '{request.Metric}'; use one of {string.Join(", ", Metrics.Keys)}.");
        if (request.EarlyTermination is { } et)
        {
            if (et.MinEpochs < 1) errors.Add("earlyTermination.minEpochs",
                $"minEpochs must be at least 1, got {et.MinEpochs}.");
            if (et.ReductionFactor < 2) errors.Add("earlyTermination.reductionFactor",
                $"reductionFactor must be at least 2, got {et.ReductionFactor}.");
        }
        var dimensions = new List<(string, DistributionRequest)>();
        foreach (var (path, distribution) in request.Space ?? [])
        {
            string at = $"space[{path}]";
            if (!PathPattern().IsMatch(path)) errors.Add(at, "A path starts with network. or job. " +
                "and names properties, with [i] for list items, e.g. network.layers[0].units.");
            if (distribution is null) { errors.Add(at,
                "Give a distribution: logUniform, uniform, intUniform or choice."); continue; }
            int kinds = (distribution.LogUniform is null ? 0 : 1) + (distribution.Uniform is null ? 0 : 1)
                + (distribution.IntUniform is null ? 0 : 1) + (distribution.Choice is null ? 0 : 1);
            if (kinds != 1) errors.Add(at, "Give exactly one of logUniform, uniform, intUniform or choice.");
            else if (distribution.LogUniform is { } lu && !(lu.Length == 2 && lu[0] > 0 && lu[1] >= lu[0]
                && double.IsFinite(lu[1])))
                errors.Add(at + ".logUniform", "Give [low, high] with 0 < low ≤ high.");
            else if (distribution.Uniform is { } u && !(u.Length == 2 && double.IsFinite(u[0]) && double.IsFinite(u[1])
                && u[1] >= u[0]))
                errors.Add(at + ".uniform", "Give [low, high] with low ≤ high.");
            else if (distribution.IntUniform is { } iu && !(iu.Length == 2 && iu[1] >= iu[0]))
                errors.Add(at + ".intUniform", "Give [low, high] with low ≤ high.");
            else if (distribution.Choice is { } c && c.Length == 0) errors.Add(at + ".choice",
                "Give at least one value.");
            if (request.Strategy == SearchStrategy.Grid && distribution.Choice is null) errors.Add(at,
                "A grid search takes only choice lists; use strategy random for distributions.");
            dimensions.Add((path, distribution));
        }
        if (errors.Any) return (null, errors);
        var space = new SearchSpace(request, dimensions);
        if (space.TrialCount > maxTrials) errors.Add("space", $"The grid has {GridSize(dimensions)} combinations; " +
            $"this service runs at most {maxTrials} trials per search. Set maxTrials or use fewer values.");
        return errors.Any ? (null, errors) : (space, errors);
    }

    private static int GridSize(List<(string, DistributionRequest Distribution)> dimensions) =>
        (int)Math.Min(int.MaxValue, dimensions.Aggregate(1L, (n, d) => Math.Min(int.MaxValue,
            n * (d.Distribution.Choice?.Length ?? 1))));

    /// <summary>The values of trial <paramref name="trial"/>, by path, in the space's order.</summary>
    public Dictionary<string, JsonNode?> Parameters(int trial)
    {
        var values = new Dictionary<string, JsonNode?>();
        long rest = trial;
        var strides = new long[_dimensions.Count];
        for (int d = _dimensions.Count - 1, stride = 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= _dimensions[d].Distribution.Choice?.Length ?? 1;
        }
        for (int d = 0; d < _dimensions.Count; d++)
        {
            var (path, dist) = _dimensions[d];
            if (_request.Strategy == SearchStrategy.Grid)
            {
                values[path] = JsonNode.Parse(dist.Choice![(int)(rest / strides[d])].GetRawText());
                rest %= strides[d];
                continue;
            }
            double u = SplitMix64.NextDouble(SplitMix64.Next(SplitMix64.Stream(_request.Seed, SearchStream),
                (ulong)trial), (ulong)d);
            values[path] = dist switch
            {
                { LogUniform: { } lu } => JsonValue.Create(Math.Exp(Math.Log(lu[0]) + u
                    * (Math.Log(lu[1]) - Math.Log(lu[0])))),
                { Uniform: { } un } => JsonValue.Create(un[0] + u * (un[1] - un[0])),
                { IntUniform: { } iu } =>
                    JsonValue.Create(Math.Min(iu[1], iu[0] + (long)Math.Floor(u * (iu[1] - iu[0] + 1)))),
                _ => JsonNode.Parse(dist.Choice![Math.Min(dist.Choice.Length - 1, (int)(u * dist.Choice.Length))]
                    .GetRawText()),
            };
        }
        return values;
    }

    // Stream of the search's draws (the core's streams are 1..999 of a seed; this one is outside them).
    private const ulong SearchStream = 15;

    /// <summary>The template's network and job with trial <paramref name="trial"/>'s values in place, or the path that
    /// does not fit.</summary>
    public (JsonObject Network, JsonObject Job, string? Error) Apply(int trial)
    {
        var root = new JsonObject { ["network"] = _request.Network!.DeepClone(), ["job"] = _request.Job!.DeepClone() };
        foreach (var (path, value) in Parameters(trial))
        {
            if (Set(root, path, value) is { } error) return ((JsonObject)root["network"]!, (JsonObject)root["job"]!,
                error);
        }
        return ((JsonObject)root["network"]!, (JsonObject)root["job"]!, null);
    }

    // Walks the path's segments; missing objects on the way are created (job.optimizer may be absent from the
    // template), list items must exist.
    private static string? Set(JsonObject root, string path, JsonNode? value)
    {
        JsonNode node = root;
        var segments = SegmentPattern().Matches(path).ToList();
        for (int i = 0; i < segments.Count; i++)
        {
            var name = segments[i].Groups["name"].Value;
            int? index = segments[i].Groups["index"].Success ? int.Parse(segments[i].Groups["index"].Value,
                CultureInfo.InvariantCulture) : null;
            bool last = i == segments.Count - 1;
            if (node is not JsonObject obj) return $"{path}: {name} is not inside an object in the template.";
            var key = obj.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, name,
                StringComparison.OrdinalIgnoreCase)) ?? name;
            if (index is null)
            {
                if (last) { obj[key] = value?.DeepClone(); return null; }
                if (obj[key] is null) obj[key] = new JsonObject();
                node = obj[key]!;
                continue;
            }
            if (obj[key] is not JsonArray array
                || index >= array.Count) return $"{path}: the template has no {name}[{index}].";
            if (last) { array[index.Value] = value?.DeepClone(); return null; }
            node = array[index.Value] ?? throw new InvalidDataException($"{path}: {name}[{index}] is null.");
        }
        return null;
    }

    /// <summary>
    /// The paths that name no property of the request records once read back (a misspelt name would otherwise be
    /// ignored by the reader, and every trial would train the same network).
    /// </summary>
    public IEnumerable<string> UnknownPaths(JsonNode network, JsonNode job)
    {
        var root = new JsonObject { ["network"] = network.DeepClone(), ["job"] = job.DeepClone() };
        foreach (var (path, _) in _dimensions)
        {
            JsonNode? node = root;
            foreach (Match segment in SegmentPattern().Matches(path))
            {
                var name = segment.Groups["name"].Value;
                node = node is JsonObject obj && obj.FirstOrDefault(p => string.Equals(p.Key, name,
                    StringComparison.OrdinalIgnoreCase)) is { Key: not null } found
                    ? found.Value : null;
                if (node is not null && segment.Groups["index"].Success)
                    node = node is JsonArray array && int.Parse(segment.Groups["index"].Value,
                        CultureInfo.InvariantCulture) is var i && i < array.Count ? array[i] : null;
                if (node is null) break;
            }
            if (node is null) yield return path;
        }
    }

    [GeneratedRegex(@"^(network|job)(\.[A-Za-z][A-Za-z0-9]*(\[\d{1,4}\])?)+$")]
    private static partial Regex PathPattern();

    [GeneratedRegex(@"(?<name>[A-Za-z][A-Za-z0-9]*)(\[(?<index>\d{1,4})\])?")]
    private static partial Regex SegmentPattern();

    /// <summary>The metrics a search can optimise: their history column and whether larger is better.</summary>
    public static readonly IReadOnlyDictionary<string, (Func<EpochEntity, double?> Value,
        bool HigherIsBetter)> Metrics =
        new Dictionary<string, (Func<EpochEntity, double?>, bool)>(StringComparer.OrdinalIgnoreCase)
        {
            ["validationAccuracy"] = (e => e.ValidationAccuracy, true),
            ["validationLoss"] = (e => e.ValidationLoss, false),
            ["validationRmse"] = (e => e.ValidationRmse, false),
            ["validationR2"] = (e => e.ValidationR2, true),
            ["trainAccuracy"] = (e => e.TrainAccuracy, true),
            ["trainLoss"] = (e => e.TrainLoss, false),
            ["trainRmse"] = (e => e.TrainRmse, false),
            ["trainR2"] = (e => e.TrainR2, true),
        };

    public static (Func<EpochEntity, double?> Value, bool HigherIsBetter)? MetricOf(string? name) =>
        name is not null && Metrics.TryGetValue(name, out var metric) ? metric : null;

    /// <summary>Whether larger values win: the request's direction, else the metric's natural one.</summary>
    public static bool Maximizes(SearchRequest request) =>
        request.Direction is { } d ? d == OptimizationDirection.Maximize : MetricOf(request.Metric)?.HigherIsBetter
            ?? true;

    /// <summary>The same value as a metric of a report still in memory (the trial's own epoch, before it is
    /// written).</summary>
    public static double? ValueOf(string metric, EpochReport r) => MetricOf(metric)?.Value(r.ToEntity(Guid.Empty, ""));
}
