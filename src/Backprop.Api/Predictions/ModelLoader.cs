using Backprop.Api.Data;
using Backprop.Api.Models;
using Backprop.Api.Security;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Predictions;

/// <summary>Models for predictions and exports come through the cache, scoped to the calling tenant.</summary>
public static class ModelLoader
{
    /// <summary>The model from the cache, loading its blob on a miss; null when it doesn't exist or isn't the tenant's.</summary>
    public static Task<CachedModel?> LoadAsync(Guid id, BackpropDbContext db, ICurrentTenant tenant, ModelCache cache, CancellationToken ct) =>
        LoadAsync(id, () => db, tenant, cache, ct);

    public static async Task<CachedModel?> LoadAsync(Guid id, Func<BackpropDbContext> database, ICurrentTenant tenant, ModelCache cache, CancellationToken ct)
    {
        var cached = await cache.GetAsync(id, async () =>
        {
            var db = database();
            var row = await db.Set<ModelEntity>().AsNoTracking().Where(m => m.Id == id).Select(m => new { m.TenantId }).SingleOrDefaultAsync(CancellationToken.None);
            if (row is null) return null;
            var blob = await db.Set<ModelBlob>().AsNoTracking().SingleAsync(b => b.ModelId == id, CancellationToken.None);
            return new CachedModel(ModelSerializer.FromBinary(blob.Model), row.TenantId);
        });
        return cached?.TenantId == tenant.Id ? cached : null;
    }
}
