using Backprop.Api.Security;

namespace Backprop.Api.Tests.Security;

/// <summary>A revocation clears the cache, and no authentication that was already in flight can put the revoked key
/// back.</summary>
public sealed class ApiKeyCacheTests
{
    [Fact]
    public void Add_FromALookupThatStartedBeforeARevocation_IsNotCached()
    {
        var cache = new ApiKeyCache(TimeProvider.System);
        long generation = cache.Generation; // an authentication reads the generation, then queries the database...
        cache.Clear();                      // ...a revocation is written and clears the cache...
        cache.Add("hash", Guid.NewGuid(), "tenant", generation); // ...and the in-flight authentication's result arrives
        Assert.False(cache.TryGet("hash", out _, out _));
    }

    [Fact]
    public void Add_FromALookupWithNoRevocationSince_IsCached()
    {
        var cache = new ApiKeyCache(TimeProvider.System);
        var id = Guid.NewGuid();
        cache.Add("hash", id, "tenant", cache.Generation);
        Assert.True(cache.TryGet("hash", out var keyId, out var tenant));
        Assert.Equal((id, "tenant"), (keyId, tenant));
    }
}
