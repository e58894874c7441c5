namespace Backprop.Api.Tests.Telemetry;

/// <summary>
/// Tests that read the process-wide OpenTelemetry listeners: run apart from the rest of the suite, so that the spans
/// and measurements they count come from their own app alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}
