using System.ComponentModel.DataAnnotations;

namespace Backprop.Api.Security;

/// <summary>Authentication settings ("Auth" section).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// Key that manages tenant keys (/api/admin/keys). Only in configuration or the environment (Auth__AdminKey), never
    /// stored; unset or empty = no admin API. At least 32 characters.
    /// </summary>
    public string? AdminKey { get; set; }

    internal bool AdminKeyLengthIsValid => AdminKey is not { Length: > 0 and < 32 };

    /// <summary>
    /// Create a development tenant key at start when the service listens only on loopback addresses, and write it next
    /// to the database (dev-api-key.txt). Off for a loopback-bound service behind a reverse proxy.
    /// </summary>
    public bool DevelopmentKey { get; set; } = true;
}

/// <summary>What one tenant may hold ("Tenancy" section). Exceeding a quota is answered 409 Conflict.</summary>
public sealed class TenancyOptions
{
    public const string Section = "Tenancy";

    /// <summary>Unfinished (queued or running) jobs per tenant, so never more than this many of its jobs run at
    /// once.</summary>
    [Range(1, 100_000)] public int MaxConcurrentJobs { get; set; } = 8;
    /// <summary>Of those, how many may wait in the queue.</summary>
    [Range(1, 100_000)] public int MaxQueuedJobs { get; set; } = 8;
    /// <summary>Stored (encoded) dataset bytes per tenant.</summary>
    [Range(1, long.MaxValue)] public long MaxDatasetBytes { get; set; } = 1L << 30;
    /// <summary>Models per tenant (trained and imported).</summary>
    [Range(1, 1_000_000)] public int MaxModels { get; set; } = 1000;
    /// <summary>Stored model bytes per tenant (weights and the training state kept for continuing).</summary>
    [Range(1, long.MaxValue)] public long MaxModelBytes { get; set; } = 2L << 30;
    /// <summary>History rows (one per epoch) per tenant, counting the epochs its unfinished jobs will still
    /// write.</summary>
    [Range(1, long.MaxValue)] public long MaxHistoryRows { get; set; } = 2_000_000;
    /// <summary>Network configurations per tenant.</summary>
    [Range(1, 1_000_000)] public int MaxNetworks { get; set; } = 1000;
}

/// <summary>
/// Per-tenant request rates ("RateLimits" section): fixed windows; over the limit is answered 429 with Retry-After.
/// Counted in
/// each process: with <see cref="Replicas"/> replicas behind a load balancer each admits its share, so a tenant's total
/// across
/// all of them stays within the limit.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Job submissions per tenant per window.</summary>
    [Range(1, 1_000_000)] public int JobSubmissionsPerWindow { get; set; } = 60;
    /// <summary>Prediction requests per tenant per window.</summary>
    // 200 per second: predictions are cheap, jobs are not
    [Range(1, 10_000_000)] public int PredictionsPerWindow { get; set; } = 12000;
    /// <summary>Dataset uploads per tenant per window.</summary>
    [Range(1, 1_000_000)] public int UploadsPerWindow { get; set; } = 30;
    /// <summary>Model imports per tenant per window.</summary>
    [Range(1, 1_000_000)] public int ImportsPerWindow { get; set; } = 30;
    /// <summary>Weight exports per tenant per window.</summary>
    [Range(1, 1_000_000)] public int ExportsPerWindow { get; set; } = 60;
    /// <summary>Dataset row previews per tenant per window.</summary>
    [Range(1, 1_000_000)] public int PreviewsPerWindow { get; set; } = 300;
    /// <summary>Gradient checks per tenant per window.</summary>
    [Range(1, 1_000_000)] public int GradientChecksPerWindow { get; set; } = 10;
    /// <summary>Failed authentications per client address per window; past it, keys from that address get 429 without a
    /// database lookup.</summary>
    [Range(1, 1_000_000)] public int FailedAuthenticationsPerWindow { get; set; } = 30;
    /// <summary>Length of every window; a refusal's Retry-After is the time left in the current one.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")] public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Replicas sharing the limits: each admits limit ÷ replicas per tenant and window (rounded down, at least
    /// 1).</summary>
    [Range(1, 1000)] public int Replicas { get; set; } = 1;

    /// <summary>This replica's share of <paramref name="limit"/>.</summary>
    public int ShareOf(int limit) => Math.Max(1, limit / Replicas);
}
