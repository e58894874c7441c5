using System.Diagnostics;

namespace Backprop.Api.Telemetry;

/// <summary>The names under which the service's own spans and metrics are published.</summary>
public static class BackpropTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> and meter name.</summary>
    public const string Name = "Backprop.Api";

    /// <summary>
    /// Spans the service starts itself (training jobs); requests come from ASP.NET Core's own source.
    /// </summary>
    public static readonly ActivitySource Source = new(Name);
}
