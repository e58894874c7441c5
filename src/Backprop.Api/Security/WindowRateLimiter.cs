using System.Threading.RateLimiting;

namespace Backprop.Api.Security;

/// <summary>
/// A fixed window of <c>permits</c> requests that starts at the partition's first request, answered at once (no
/// queueing). Unlike the framework's fixed-window limiter, a refusal carries the real time left in the window as its
/// Retry-After, not the whole window.
/// </summary>
public sealed class WindowRateLimiter(int permits, TimeSpan window, TimeProvider clock) : RateLimiter
{
    private readonly Lock _lock = new();
    private DateTimeOffset _windowEnd = DateTimeOffset.MinValue;
    private int _used;

    /// <summary>Idle once its window has ended, so the partition can be dropped without letting anyone past its
    /// limit.</summary>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                var now = clock.GetUtcNow();
                return now >= _windowEnd ? now - _windowEnd : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock) return new RateLimiterStatistics { CurrentAvailablePermits = Math.Max(0, permits
            - UsedNow(clock.GetUtcNow())) };
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            int used = UsedNow(now);
            // a probe
            if (permitCount == 0) return used < permits ? Lease.Acquired : new Lease(false, _windowEnd - now);
            if (used + permitCount <= permits)
            {
                if (now >= _windowEnd) _windowEnd = now + window;
                _used = used + permitCount;
                return Lease.Acquired;
            }
            return new Lease(false, _windowEnd - now);
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount,
        CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private int UsedNow(DateTimeOffset now) => now >= _windowEnd ? 0 : _used;

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Acquired = new(true, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name ? wait : null;
            return metadata is not null;
        }
    }
}
