using Backprop.Api.Security;
using OpenTelemetry;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Backprop.Api.Telemetry;

/// <summary>
/// OpenTelemetry traces and metrics: the service's own source and meter, ASP.NET Core's, and the configured exporters.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    public const string MetricsPath = "/metrics";

    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>()
            ?? new TelemetryOptions();
        services.AddSingleton<BackpropMetrics>();
        services.AddSingleton<JobGauges>();

        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r =>
            {
                if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"])) r.AddService(options.ServiceName);
            })
            .WithTracing(t => t.AddSource(BackpropTelemetry.Name)
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsScrapeOrProbe(http.Request.Path)))
            .WithMetrics(m =>
            {
                m.AddMeter(BackpropTelemetry.Name).AddAspNetCoreInstrumentation();
                if (options.PrometheusEnabled) m.AddPrometheusExporter();
            });
        // The exporter reads the endpoint, protocol and headers from the standard OTEL_EXPORTER_OTLP_* variables.
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) otel.UseOtlpExporter();
        return services;
    }

    /// <summary>
    /// GET /metrics for the admin key when Telemetry:PrometheusEnabled; otherwise the path is unknown (404).
    /// </summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        // The gauges publish themselves when created; nothing else asks for them.
        app.Services.GetRequiredService<JobGauges>();
        if (app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.PrometheusEnabled)
            app.MapPrometheusScrapingEndpoint(MetricsPath)
                .RequireAuthorization(SecurityServiceCollectionExtensions.AdminPolicy);
        return app;
    }

    private static bool IsScrapeOrProbe(PathString path) =>
        path.StartsWithSegments(MetricsPath) || path.StartsWithSegments("/health");
}
