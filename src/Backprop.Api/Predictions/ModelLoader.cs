using Backprop.Api.Data;
using Backprop.Api.Models;
using Backprop.Api.Security;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Predictions;

/// <summary>Models for predictions and exports come through the cache, scoped to the calling tenant.</summary>
public static class ModelLoader
{
    /// <summary>The model from the cache, loading its blob on a miss; null when it doesn't exist or isn't the
    /// tenant's.</summary>
    public static Task<CachedModel?> LoadAsync(Guid id, BackpropDbContext db, ICurrentTenant tenant, ModelCache cache,
        CancellationToken ct) =>
        LoadAsync(id, () => db, tenant, cache, ct);

    public static Task<CachedModel?> LoadAsync(Guid id, Func<BackpropDbContext> database, ICurrentTenant tenant,
        ModelCache cache, CancellationToken ct) =>
        // A warm model costs no closure, no state machine and no task beyond the completed one.
        cache.TryGetLoaded(id) is { } hit ? Task.FromResult(hit.TenantId == tenant.Id ? hit : null)
            : LoadSlowAsync(id, database, tenant, cache, ct);

    private static async Task<CachedModel?> LoadSlowAsync(Guid id, Func<BackpropDbContext> database,
        ICurrentTenant tenant, ModelCache cache, CancellationToken ct)
    {
        var cached = await cache.GetAsync(id, async () =>
        {
            var db = database();
            // One query for the row and its weights: a delete between two queries would find the row but not the
            // weights.
            var row = await db.Set<ModelEntity>().AsNoTracking().Where(m => m.Id == id)
                .Join(db.Set<ModelBlob>(), m => m.Id, b => b.ModelId, (m, b) => new { m.TenantId, b.Model })
                .SingleOrDefaultAsync(CancellationToken.None);
            return row is null ? null : new CachedModel(ModelSerializer.FromBinary(row.Model), row.TenantId);
        });
        return cached?.TenantId == tenant.Id ? cached : null;
    }
}
