using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Backprop.Api.Telemetry;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Security;

/// <summary>
/// Per-tenant rate limits (<see cref="RateLimitOptions"/>) on the expensive endpoints, which name their policy with
/// <c>RequireRateLimiting</c>; a request over the limit gets 429 with Retry-After. Limits on a request's size and
/// pace are <see cref="Infrastructure.RequestLimits"/>.
/// </summary>
public static class RateLimits
{
    public const string Jobs = "jobs";
    public const string Predictions = "predictions";
    public const string Uploads = "uploads";
    public const string Imports = "imports";
    public const string Exports = "exports";
    public const string Previews = "previews";
    public const string GradientChecks = "gradient-checks";

    public static IServiceCollection AddRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = RejectAsync;
            o.AddPolicy(Jobs, http => PerTenant(http, r => r.JobSubmissionsPerWindow));
            o.AddPolicy(Predictions, http => PerTenant(http, r => r.PredictionsPerWindow));
            o.AddPolicy(Uploads, http => PerTenant(http, r => r.UploadsPerWindow));
            o.AddPolicy(Imports, http => PerTenant(http, r => r.ImportsPerWindow));
            o.AddPolicy(Exports, http => PerTenant(http, r => r.ExportsPerWindow));
            o.AddPolicy(Previews, http => PerTenant(http, r => r.PreviewsPerWindow));
            o.AddPolicy(GradientChecks, http => PerTenant(http, r => r.GradientChecksPerWindow));
        });
        return services;
    }

    /// <summary>A fixed window per tenant, no queueing: a request over the limit is answered at once.</summary>
    private static RateLimitPartition<string> PerTenant(HttpContext http, Func<RateLimitOptions, int> permits)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var tenant = http.User.FindFirstValue(ApiKeyAuthenticationHandler.TenantClaim) ?? "";
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        return RateLimitPartition.Get(tenant, _ => new WindowRateLimiter(options.ShareOf(permits(options)),
            options.Window, clock));
    }

    /// <summary>Whole seconds, rounded up and at least 1 (a Retry-After of 0 invites a retry storm).</summary>
    public static int RetryAfterSeconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var policy = http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName ?? "global";
        http.RequestServices.GetRequiredService<BackpropMetrics>().RateLimited(policy);
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? RetryAfterSeconds(wait)
            : 1;
        http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests",
                Detail = $"This tenant has used its requests of this kind for the current window; " +
                    $"retry after {retryAfter} s.",
            },
        });
    }
}
