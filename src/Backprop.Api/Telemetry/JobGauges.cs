using System.Diagnostics.Metrics;
using Backprop.Api.Data;
using Backprop.Api.Jobs;
using Backprop.Api.Jobs.Live;

namespace Backprop.Api.Telemetry;

/// <summary>
/// backprop.jobs.queued and backprop.jobs.running: the job rows in each state, counted when a reader collects (a
/// Prometheus scrape, an OTLP export). The rows are the truth, so every replica reports the same numbers for the whole
/// service, including jobs another replica runs or that wait for memory. backprop.job_events.streams: the event
/// streams open in this process (a client that disconnects is no longer counted).
/// </summary>
public sealed class JobGauges
{
    public JobGauges(IMeterFactory meters, IServiceScopeFactory scopes, LiveJobs live, ILogger<JobGauges> logger)
    {
        var meter = meters.Create(BackpropTelemetry.Name);
        meter.CreateObservableGauge("backprop.jobs.queued", () => Count(scopes, logger, JobStatus.Queued), "{job}",
            "Training jobs waiting for a worker (rows in status queued).");
        meter.CreateObservableGauge("backprop.jobs.running", () => Count(scopes, logger, JobStatus.Running), "{job}",
            "Training jobs being trained (rows in status running).");
        meter.CreateObservableUpDownCounter("backprop.job_events.streams", () => (long)live.Subscribers, "{stream}",
            "Job event streams (GET /api/jobs/{id}/events) open in this process.");
    }

    private static IEnumerable<Measurement<long>> Count(IServiceScopeFactory scopes, ILogger logger, JobStatus status)
    {
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<BackpropDbContext>();
            return [new Measurement<long>(db.Set<TrainingJob>().LongCount(j => j.Status == status))];
        }
        catch (Exception e) when (StorageErrors.IsTransient(e) || e is ObjectDisposedException)
        {
            // A busy or stopping database leaves a gap in the series rather than failing the whole collection.
            logger.LogDebug(e, "Counting {Status} jobs for the metrics failed.", status);
            return [];
        }
    }
}
