using Backprop.Api.Data;
using Backprop.Api.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Selection;

/// <summary>
/// A search's early-termination rule, asked by the trial's own runner after each epoch, so a trial stops at the epoch
/// the rule names however fast its epochs are. The other trials' values come from their history rows; a trial that has
/// not written an epoch yet does not count, so with one trial at a time every decision is the same when the search runs
/// again.
/// </summary>
public sealed class TrialPruner
{
    private readonly EarlyTerminationRequest _rule;
    private readonly string _metric;
    private readonly bool _maximize;
    private readonly Guid _searchId;
    private double? _best; // this trial's best value so far (the median rule compares it)

    private TrialPruner(Guid searchId, EarlyTerminationRequest rule, string metric, bool maximize)
    {
        _searchId = searchId;
        _rule = rule;
        _metric = metric;
        _maximize = maximize;
    }

    /// <summary>The pruner of <paramref name="job"/>'s search, or null when the job is no trial or its search stops
    /// none early.</summary>
    public static async Task<TrialPruner?> ForAsync(BackpropDbContext db, TrainingJob job, CancellationToken ct)
    {
        if (job.SearchId is not { } searchId) return null;
        var search = await db.Set<SearchEntity>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == searchId, ct);
        if (search is null) return null;
        var request = SearchRunner.Read(search);
        return request.EarlyTermination is { } rule ? new TrialPruner(searchId, rule, request.Metric,
            SearchSpace.Maximizes(request)) : null;
    }

    /// <summary>Epochs at which the rule decides: ASHA's rungs minEpochs·η^k, or every minEpochs epochs for the median
    /// rule; never the last.</summary>
    public bool Decides(int epoch, int epochs)
    {
        if (epoch < _rule.MinEpochs || epoch >= epochs) return false;
        if (_rule.Kind == EarlyTerminationKind.Median) return epoch % _rule.MinEpochs == 0;
        long rung = _rule.MinEpochs;
        while (rung < epoch) rung *= _rule.ReductionFactor;
        return rung == epoch;
    }

    /// <summary>Records the trial's value at every epoch (the median rule compares its best so far).</summary>
    public void Observe(EpochReport report)
    {
        if (SearchSpace.ValueOf(_metric, report) is { } v && (_best is not { } b || Better(v, b))) _best = v;
    }

    /// <summary>Whether the trial should stop after <paramref name="report"/>, an epoch at which the rule <see
    /// cref="Decides"/>.</summary>
    public async Task<bool> ShouldStopAsync(BackpropDbContext db, Guid jobId, EpochReport report, CancellationToken ct)
    {
        double? value = SearchSpace.ValueOf(_metric, report);
        if (value is null || _best is null) return false;
        var records = await db.Set<EpochEntity>().AsNoTracking()
            .Where(e => e.Epoch == report.Epoch && e.JobId != jobId && db.Set<TrainingJob>()
            .Any(j => j.Id == e.JobId && j.SearchId == _searchId))
            .ToListAsync(ct);
        var metric = SearchSpace.MetricOf(_metric)!.Value;
        var others = records.Select(metric.Value).Where(x => x is not null).Select(x => x!.Value).ToList();
        if (others.Count == 0) return false;
        if (_rule.Kind == EarlyTerminationKind.Median)
        {
            others.Sort();
            double median = others.Count % 2 == 1 ? others[others.Count / 2] : (others[others.Count / 2 - 1]
                + others[others.Count / 2]) / 2;
            return Better(median, _best!.Value);
        }
        // ASHA: continue only within the top 1/η (at least one) of the trials that reached this rung, this one
        // included; ties in its favour.
        int better = others.Count(o => Better(o, value.Value));
        int keep = Math.Max(1, (others.Count + 1) / _rule.ReductionFactor);
        return better >= keep;
    }

    private bool Better(double a, double b) => _maximize ? a > b : a < b;
}
