using Backprop.Api.Data;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Jobs;

/// <summary>
/// Runs queued jobs with bounded concurrency (<see cref="JobOptions.MaxConcurrentJobs"/> workers, each claiming the
/// next job in fair
/// order when woken and going back to sleep when there is none), and sweeps the rows at start and every
/// <see cref="JobOptions.SweepInterval"/>: jobs whose lease expired (their worker died) go back to queued, and the
/// workers are woken
/// (the fallback for a wake-up that never arrived). At shutdown each running job checkpoints and is queued again.
/// </summary>
public sealed class TrainingWorker(JobQueue queue, IServiceScopeFactory scopes, IOptions<JobOptions> options,
    ILogger<TrainingWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.WorkerEnabled)
        {
            logger.LogInformation("Training worker disabled; jobs stay queued.");
            return;
        }
        try
        {
            await SweepAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // E.g. a full disk: the service still starts and serves reads; the periodic sweep tries again.
            logger.LogWarning(e, "Job sweep at start failed; retrying at the next interval.");
        }
        var consumers = Enumerable.Range(0, options.Value.MaxConcurrentJobs)
            .Select(_ => Task.Run(() => ConsumeAsync(stoppingToken), CancellationToken.None));
        await Task.WhenAll(consumers.Append(SweepPeriodicallyAsync(stoppingToken)));
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var (expired,
            anyQueued) = await JobTransitions.SweepAsync(scope.ServiceProvider.GetRequiredService<BackpropDbContext>(),
            ct);
        if (anyQueued) queue.Wake();
        if (expired > 0) logger.LogWarning("Re-queued {Count} job(s) whose worker's lease expired.", expired);
    }

    private async Task SweepPeriodicallyAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try { await SweepAsync(stoppingToken); }
                catch (Exception e) when (e is not OperationCanceledException) { logger.LogWarning(e,
                    "Job sweep failed; retrying at the next interval."); }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wakeUp = queue.NextWakeUp;
            bool worked = false;
            try
            {
                // The runner sets the scope's TenantContext from the job row before it loads anything.
                await using var scope = scopes.CreateAsyncScope();
                worked = await scope.ServiceProvider.GetRequiredService<JobRunner>().RunNextAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "A training worker failed to claim or run a job; it waits for the next wake-up.");
            }
            if (worked) continue;
            try { await wakeUp.WaitAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
        }
    }
}
