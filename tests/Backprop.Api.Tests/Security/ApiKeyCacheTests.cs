using Backprop.Api.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Backprop.Api.Security;

namespace Backprop.Api.Tests.Security;

/// <summary>A revocation clears the cache, and no authentication that was already in flight can put the revoked key
/// back.</summary>
public sealed class ApiKeyCacheTests
{
    /// <summary>One SQLite process: events are always live, so the cache is in use.</summary>
    private static ClusterEvents SingleProcessEvents() =>
        new(new DatabaseInfo(DatabaseProvider.Sqlite, "Data Source=:memory:"), NullLogger<ClusterEvents>.Instance);

    [Fact]
    public void Add_FromALookupThatStartedBeforeARevocation_IsNotCached()
    {
        var cache = new ApiKeyCache(TimeProvider.System, SingleProcessEvents());
        long generation = cache.Generation; // an authentication reads the generation, then queries the database...
        cache.Clear();                      // ...a revocation is written and clears the cache...
        cache.Add("hash", Guid.NewGuid(), "tenant", generation); // ...and the in-flight authentication's result arrives
        Assert.False(cache.TryGet("hash", out _, out _));
    }

    [Fact]
    public void Add_FromALookupWithNoRevocationSince_IsCached()
    {
        var cache = new ApiKeyCache(TimeProvider.System, SingleProcessEvents());
        var id = Guid.NewGuid();
        cache.Add("hash", id, "tenant", cache.Generation);
        Assert.True(cache.TryGet("hash", out var keyId, out var tenant));
        Assert.Equal((id, "tenant"), (keyId, tenant));
    }
}
