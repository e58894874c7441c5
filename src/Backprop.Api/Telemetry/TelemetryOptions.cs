using System.ComponentModel.DataAnnotations;

namespace Backprop.Api.Telemetry;

/// <summary>
/// OpenTelemetry ("Telemetry" section). Traces and metrics are always recorded in process; they leave it through OTLP
/// when the standard OTEL_EXPORTER_OTLP_ENDPOINT variable is set, and through a Prometheus scrape endpoint when enabled
/// here.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>
    /// Serve GET /metrics in Prometheus text format. Off by default; when on it needs the admin key (Auth:AdminKey) as
    /// a bearer token, like the admin API, since job counts and rates say something about every tenant.
    /// </summary>
    public bool PrometheusEnabled { get; set; }

    /// <summary>The service.name resource attribute, unless OTEL_SERVICE_NAME sets it.</summary>
    [Required, MinLength(1), MaxLength(100)] public string ServiceName { get; set; } = "backprop";

    /// <summary>
    /// Epoch events recorded on a job's span; later epochs only update its epoch tag, so a long job's span stays small.
    /// </summary>
    [Range(0, 100_000)] public int MaxEpochEventsPerJob { get; set; } = 1000;
}
