using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Backprop.Api.Data;
using Backprop.Api.Telemetry;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Predictions;

/// <summary>The prediction cache ("Predictions" section).</summary>
public sealed class PredictionOptions
{
    public const string Section = "Predictions";

    /// <summary>Models kept loaded in memory; the least recently used goes first.</summary>
    [Range(1, 100_000)] public int MaxCachedModels { get; set; } = 32;
}

/// <summary>A loaded model with a small pool of inference-only predictors (each owns at most ~4 MiB of scratch and is
/// not thread-safe).</summary>
public sealed class CachedModel(TrainedModel model, string tenantId)
{
    private readonly ConcurrentBag<Predictor> _pool = [];

    public TrainedModel Model { get; } = model;
    public string TenantId { get; } = tenantId;
    internal long LastUsed;

    public PredictionBatch Predict(ReadOnlySpan<float> features, int rows)
    {
        if (!_pool.TryTake(out var predictor)) predictor = Model.CreatePredictor(256);
        try
        {
            return predictor.Predict(features, rows);
        }
        finally
        {
            if (_pool.Count < Environment.ProcessorCount) _pool.Add(predictor);
        }
    }
}

/// <summary>
/// Loaded models by id, capped in size. Deleting a model removes it here at once and on every other replica through
/// <see cref="ClusterEvent.ModelDeleted"/>; while a replica cannot hear those events it loads every model afresh.
/// </summary>
public sealed class ModelCache
{
    private readonly ConcurrentDictionary<Guid, Lazy<Task<CachedModel?>>> _models = new();
    private readonly IOptions<PredictionOptions> options;
    private readonly ClusterEvents events;
    private readonly BackpropMetrics metrics;
    private long _clock;
    private long _removals; // bumped by every Remove

    public ModelCache(IOptions<PredictionOptions> options, ClusterEvents events, BackpropMetrics metrics)
    {
        (this.options, this.events, this.metrics) = (options, events, metrics);
        events.On(ClusterEvent.ModelDeleted, id => { if (Guid.TryParse(id,
            out var modelId)) Remove(modelId); else RemoveAll(); });
    }

    /// <summary>The model if it is loaded already (a hit, counted as one), without allocating; null otherwise, and
    /// the caller takes <see cref="GetAsync"/>. A hit adds nothing, so it has nothing to trim.</summary>
    public CachedModel? TryGetLoaded(Guid id)
    {
        if (!events.Live || !_models.TryGetValue(id, out var entry) || !entry.IsValueCreated
            || !entry.Value.IsCompletedSuccessfully || entry.Value.Result is not { } model) return null;
        metrics.CacheHit();
        model.LastUsed = Interlocked.Increment(ref _clock);
        return model;
    }

    public async Task<CachedModel?> GetAsync(Guid id, Func<Task<CachedModel?>> load)
    {
        if (!events.Live) return await load();
        long removals = Interlocked.Read(ref _removals);
        bool loaded = false; // the lazy entry runs this load only when it is new: a miss
        var (model, entry) = await LoadAsync(id, () => { loaded = true; return load(); });
        if (loaded) metrics.CacheMiss();
        else if (model is not null) metrics.CacheHit();
        // Removed while it loaded (a delete): what was read may be the deleted model, so read again rather than serve
        // it.
        if (model is not null && Interlocked.Read(ref _removals) != removals && !(_models.TryGetValue(id, out var now)
            && now == entry))
            (model, _) = await LoadAsync(id, load);
        if (model is null) return null;
        model.LastUsed = Interlocked.Increment(ref _clock);
        Trim();
        return model;
    }

    private async Task<(CachedModel?, Lazy<Task<CachedModel?>>)> LoadAsync(Guid id, Func<Task<CachedModel?>> load)
    {
        var entry = _models.GetOrAdd(id, _ => new Lazy<Task<CachedModel?>>(load));
        CachedModel? model;
        try
        {
            model = await entry.Value;
        }
        catch
        {
            _models.TryRemove(new(id, entry));
            throw;
        }
        if (model is null) _models.TryRemove(new(id, entry));
        return (model, entry);
    }

    public void Remove(Guid id)
    {
        Interlocked.Increment(ref _removals);
        _models.TryRemove(id, out _);
    }

    /// <summary>Forgets every model (an event whose model id could not be read).</summary>
    public void RemoveAll()
    {
        Interlocked.Increment(ref _removals);
        _models.Clear();
    }

    private void Trim()
    {
        int excess = _models.Count - options.Value.MaxCachedModels;
        if (excess <= 0) return;
        var oldest = _models.Where(p => p.Value.IsValueCreated && p.Value.Value.IsCompletedSuccessfully)
            .OrderBy(p => p.Value.Value.Result?.LastUsed ?? 0).Take(excess).Select(p => p.Key).ToList();
        int evicted = oldest.Count(id => _models.TryRemove(id, out _));
        if (evicted > 0) metrics.CacheEvicted(evicted);
    }
}
