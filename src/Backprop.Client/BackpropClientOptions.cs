namespace Backprop.Client;

/// <summary>Where the service is, the key to send, and how patiently to call it.</summary>
public sealed class BackpropClientOptions
{
    /// <summary>
    /// The service's root, e.g. <c>http://backprop:8080/</c> (required); a path prefix (a gateway's) is kept.
    /// </summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>A tenant's API key, sent as <c>Authorization: Bearer</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How often <see cref="BackpropClient.WaitForJobAsync"/> reads a running job.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Retries of a request answered 429 (after the Retry-After the service sends) or 503, and of a GET that failed to
    /// connect; 0 to 20, 0 turns retries off.
    /// </summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>
    /// First wait before a retry when the answer names none; it doubles (with jitter) with each attempt.
    /// </summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Time limit of one attempt of one request.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);
}
