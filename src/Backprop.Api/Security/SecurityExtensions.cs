using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Security;

/// <summary>API keys, tenant and admin policies, per-tenant quotas and rate limits.</summary>
public static class SecurityExtensions
{
    public const string TenantPolicy = "tenant";
    public const string AdminPolicy = "admin";
    public const string JobsRateLimit = "jobs";
    public const string PredictionsRateLimit = "predictions";
    public const string UploadsRateLimit = "uploads";
    public const string ImportsRateLimit = "imports";
    public const string ExportsRateLimit = "exports";
    public const string PreviewsRateLimit = "previews";
    public const string GradientChecksRateLimit = "gradient-checks";

    public static IServiceCollection AddSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section))
            .Validate(o => o.AdminKeyLengthIsValid, "Auth:AdminKey must be at least 32 characters (or unset: no admin API).").ValidateOnStart();
        services.AddOptions<TenancyOptions>().Bind(configuration.GetSection(TenancyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<TenantQuotas>();
        services.AddSingleton<FailedAuthentications>();
        services.AddHostedService<DevelopmentKey>();

        services.AddSingleton<ApiKeyCache>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        var tenant = new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser()
            .RequireClaim(ApiKeyAuthenticationHandler.TenantClaim).Build();
        services.AddAuthorizationBuilder()
            .AddPolicy(TenantPolicy, tenant)
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(ApiKeyAuthenticationHandler.AdminRole))
            // Any endpoint that does not say otherwise needs a tenant key: a new endpoint is never open by accident.
            .SetFallbackPolicy(tenant);

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = RejectAsync;
            o.AddPolicy(JobsRateLimit, http => PerTenant(http, r => r.JobSubmissionsPerWindow));
            o.AddPolicy(PredictionsRateLimit, http => PerTenant(http, r => r.PredictionsPerWindow));
            o.AddPolicy(UploadsRateLimit, http => PerTenant(http, r => r.UploadsPerWindow));
            o.AddPolicy(ImportsRateLimit, http => PerTenant(http, r => r.ImportsPerWindow));
            o.AddPolicy(ExportsRateLimit, http => PerTenant(http, r => r.ExportsPerWindow));
            o.AddPolicy(PreviewsRateLimit, http => PerTenant(http, r => r.PreviewsPerWindow));
            o.AddPolicy(GradientChecksRateLimit, http => PerTenant(http, r => r.GradientChecksPerWindow));
        });
        return services;
    }

    /// <summary>Authentication, then authorization, then rate limits (partitioned by the authenticated tenant).</summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>A fixed window per tenant, no queueing: a request over the limit is answered at once.</summary>
    private static RateLimitPartition<string> PerTenant(HttpContext http, Func<RateLimitOptions, int> permits)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var tenant = http.User.FindFirstValue(ApiKeyAuthenticationHandler.TenantClaim) ?? "";
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        return RateLimitPartition.Get(tenant, _ => new WindowRateLimiter(options.ShareOf(permits(options)), options.Window, clock));
    }

    /// <summary>Whole seconds, rounded up and at least 1 (a Retry-After of 0 invites a retry storm).</summary>
    public static int RetryAfterSeconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? RetryAfterSeconds(wait) : 1;
        http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests",
                Detail = $"This tenant has used its requests of this kind for the current window; retry after {retryAfter} s.",
            },
        });
    }
}
