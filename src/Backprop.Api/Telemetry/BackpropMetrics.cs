using System.Diagnostics.Metrics;

namespace Backprop.Api.Telemetry;

/// <summary>
/// The service's own instruments on the <see cref="BackpropTelemetry.Name"/> meter (created through the host's <see
/// cref="IMeterFactory"/>, so each host has its own). Units follow OpenTelemetry's conventions: seconds for durations,
/// curly-brace annotations for counts.
/// </summary>
public sealed class BackpropMetrics
{
    // Bucket boundaries over the ranges seen here: the defaults (0 to 10,000) fit none of them.
    private static readonly double[] EpochSeconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
        2.5, 5, 10, 30, 60];
    private static readonly double[] SamplesPerSecond = [1e2, 1e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7, 3e7];
    private static readonly double[] PredictionSeconds = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
        0.025, 0.05, 0.1, 0.25, 1];
    private static readonly long[] PredictionRows = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

    private readonly Counter<long> _jobsFinished;
    private readonly Histogram<double> _epochDuration;
    private readonly Histogram<double> _samplesPerSecond;
    private readonly Histogram<double> _predictionDuration;
    private readonly Histogram<long> _predictionRows;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _cacheMisses;
    private readonly Counter<long> _cacheEvictions;
    private readonly Counter<long> _rateLimitRejections;

    public BackpropMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(BackpropTelemetry.Name);
        _jobsFinished = meter.CreateCounter<long>("backprop.jobs.finished", "{job}",
            "Training jobs this process ended, by status (succeeded, failed, cancelled) and stop reason.");
        _epochDuration = meter.CreateHistogram<double>("backprop.training.epoch.duration", "s",
            "Wall time of one training epoch.",
            advice: new() { HistogramBucketBoundaries = EpochSeconds });
        _samplesPerSecond = meter.CreateHistogram<double>("backprop.training.throughput", "{sample}/s",
            "Training samples per second over one epoch (training rows / epoch wall time).",
            advice: new() { HistogramBucketBoundaries = SamplesPerSecond });
        _predictionDuration = meter.CreateHistogram<double>("backprop.prediction.duration", "s",
            "Time to answer a prediction request, from reading its rows to the computed outputs.",
            advice: new() { HistogramBucketBoundaries = PredictionSeconds });
        _predictionRows = meter.CreateHistogram<long>("backprop.prediction.rows", "{row}",
            "Rows per prediction request (batch size).",
            advice: new() { HistogramBucketBoundaries = PredictionRows });
        _cacheHits = meter.CreateCounter<long>("backprop.model_cache.hits", "{lookup}",
            "Model lookups answered from memory.");
        _cacheMisses = meter.CreateCounter<long>("backprop.model_cache.misses", "{lookup}",
            "Model lookups that loaded the model from the database.");
        _cacheEvictions = meter.CreateCounter<long>("backprop.model_cache.evictions", "{model}",
            "Models dropped from memory because the cache was full (Predictions:MaxCachedModels); deletions are not "
            + "counted.");
        _rateLimitRejections = meter.CreateCounter<long>("backprop.rate_limit.rejections", "{request}",
            "Requests refused with 429 by a per-tenant rate limit, by policy.");
    }

    /// <param name="status">The job's final status, in the API's words (succeeded, failed, cancelled).</param>
    /// <param name="stopReason">Why it stopped, in the API's words (completed, early_stopped, diverged, ...).</param>
    public void JobFinished(string status, string stopReason) =>
        _jobsFinished.Add(1, new("status", status), new("stop_reason", stopReason));

    public void EpochCompleted(TimeSpan duration, int trainingRows)
    {
        _epochDuration.Record(duration.TotalSeconds);
        if (duration > TimeSpan.Zero) _samplesPerSecond.Record(trainingRows / duration.TotalSeconds);
    }

    public void Predicted(TimeSpan duration, int rows)
    {
        _predictionDuration.Record(duration.TotalSeconds);
        _predictionRows.Record(rows);
    }

    public void CacheHit() => _cacheHits.Add(1);

    public void CacheMiss() => _cacheMisses.Add(1);

    public void CacheEvicted(int models) => _cacheEvictions.Add(models);

    public void RateLimited(string policy) =>
        _rateLimitRejections.Add(1, new KeyValuePair<string, object?>("policy", policy));
}
