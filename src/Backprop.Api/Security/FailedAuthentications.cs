using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Security;

/// <summary>
/// Failed authentications per client address in a fixed window (RateLimits:FailedAuthenticationsPerWindow). Past the
/// limit, a key from that address that is not already verified is refused with 429 before any database lookup, so
/// guessing keys costs the service nothing and gains the client nothing.
/// </summary>
public sealed class FailedAuthentications(IOptions<RateLimitOptions> options, TimeProvider clock)
{
    private const int MaxAddresses = 100_000;
    private readonly ConcurrentDictionary<string, WindowRateLimiter> _byAddress = new();

    /// <summary>True (with the time left) when the address has used up its failures for the current window.</summary>
    public bool IsBlocked(IPAddress? address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_byAddress.TryGetValue(Key(address), out var limiter)) return false;
        using var probe = limiter.AttemptAcquire(0);
        if (probe.IsAcquired) return false;
        if (probe.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var wait)) retryAfter =
            wait;
        return true;
    }

    /// <summary>Counts one failed authentication from the address.</summary>
    public void Record(IPAddress? address)
    {
        if (_byAddress.Count >= MaxAddresses) Prune();
        var o = options.Value;
        var limiter = _byAddress.GetOrAdd(Key(address), _ => new WindowRateLimiter(o.FailedAuthenticationsPerWindow,
            o.Window, clock));
        limiter.AttemptAcquire(1).Dispose();
    }

    private void Prune()
    {
        foreach (var (key, limiter) in _byAddress)
            if (limiter.IdleDuration is not null) _byAddress.TryRemove(key, out _);
    }

    private static string Key(IPAddress? address) => address?.ToString() ?? "";
}
