using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Backprop.Api.Security;

/// <summary>API keys, tenant and admin policies, per-tenant quotas and rate limits (<see
/// cref="RateLimits"/>).</summary>
public static class SecurityServiceCollectionExtensions
{
    public const string TenantPolicy = "tenant";
    public const string AdminPolicy = "admin";

    public static IServiceCollection AddSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section))
            .Validate(o => o.AdminKeyLengthIsValid,
                "Auth:AdminKey must be at least 32 characters (or unset: no admin API).").ValidateOnStart();
        services.AddOptions<TenancyOptions>().Bind(configuration.GetSection(TenancyOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<TenantQuotas>();
        services.AddSingleton<FailedAuthentications>();
        services.AddHostedService<DevelopmentKey>();

        services.AddSingleton<ApiKeyCache>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(
                ApiKeyAuthenticationHandler.SchemeName, null);
        var tenant = new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser()
            .RequireClaim(ApiKeyAuthenticationHandler.TenantClaim).Build();
        services.AddAuthorizationBuilder()
            .AddPolicy(TenantPolicy, tenant)
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser()
            .RequireRole(ApiKeyAuthenticationHandler.AdminRole))
            // Any endpoint that does not say otherwise needs a tenant key: a new endpoint is never open by accident.
            .SetFallbackPolicy(tenant);

        services.AddRateLimits(configuration);
        return services;
    }

    /// <summary>Authentication, then authorization, then rate limits (partitioned by the authenticated
    /// tenant).</summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }
}
