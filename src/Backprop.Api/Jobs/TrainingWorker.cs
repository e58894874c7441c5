using Backprop.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Jobs;

/// <summary>
/// Runs queued jobs with bounded concurrency (<see cref="JobOptions.MaxConcurrentJobs"/> consumers of the wake-up queue).
/// At start it finds the work again from the rows: jobs left running by a previous process go back to queued, and every
/// queued job is woken up.
/// </summary>
public sealed class TrainingWorker(JobQueue queue, IServiceScopeFactory scopes, IOptions<JobOptions> options, ILogger<TrainingWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.WorkerEnabled)
        {
            logger.LogInformation("Training worker disabled; jobs stay queued.");
            return;
        }
        await RecoverAsync(stoppingToken);
        var consumers = Enumerable.Range(0, options.Value.MaxConcurrentJobs).Select(_ => Task.Run(() => ConsumeAsync(stoppingToken), CancellationToken.None));
        await Task.WhenAll(consumers);
    }

    private async Task RecoverAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BackpropDbContext>();
        int reset = await db.Set<TrainingJob>().Where(j => j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Queued), ct);
        var queued = await db.Set<TrainingJob>().Where(j => j.Status == JobStatus.Queued).OrderBy(j => j.CreatedAt).Select(j => j.Id).ToListAsync(ct);
        foreach (var id in queued) queue.Enqueue(id);
        if (queued.Count > 0) logger.LogInformation("Recovered {Count} queued job(s) ({Reset} interrupted by a previous stop).", queued.Count, reset);
    }

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var jobId in queue.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<JobRunner>().RunAsync(jobId, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(e, "Training job {JobId} crashed the runner.", jobId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
