namespace Backprop.Api.Infrastructure;

/// <summary>Liveness (the process answers) and readiness (the database answers), open to probes without a
/// key.</summary>
public static class HealthEndpoints
{
    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).WithTags("Health").AllowAnonymous();
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") }).WithTags("Health")
            .AllowAnonymous();
        return app;
    }
}
