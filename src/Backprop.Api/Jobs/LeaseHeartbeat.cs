using System.Diagnostics;
using Backprop.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Jobs;

/// <summary>
/// Beside a running job, on its own DbContext: renews the lease a few times per <see cref="JobOptions.LeaseDuration"/>
/// (however long an epoch takes) and looks for a cancel request, made in any process, every <see
/// cref="JobOptions.HeartbeatInterval"/>. Either a lost lease or a cancel request cancels the training token, which the
/// core checks between batches.
/// </summary>
internal sealed class LeaseHeartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile bool _leaseLost;

    private LeaseHeartbeat(IServiceScopeFactory scopes, Guid jobId, string owner, JobOptions options,
        CancellationTokenSource training, ILogger logger) =>
        _loop = Task.Run(() => LoopAsync(scopes, jobId, owner, options, training, logger));

    /// <summary>True once a renewal found the job no longer leased to this worker.</summary>
    public bool LeaseLost => _leaseLost;

    public static LeaseHeartbeat Start(IServiceScopeFactory scopes, Guid jobId, string owner, JobOptions options,
        CancellationTokenSource training, ILogger logger) =>
        new(scopes, jobId, owner, options, training, logger);

    private async Task LoopAsync(IServiceScopeFactory scopes, Guid jobId, string owner, JobOptions options,
        CancellationTokenSource training, ILogger logger)
    {
        using var timer = new PeriodicTimer(options.HeartbeatInterval);
        var sinceRenewal = Stopwatch.StartNew();
        try
        {
            // Most small jobs end before the first tick: their heartbeat never opens a scope or a context.
            if (!await timer.WaitForNextTickAsync(_stop.Token)) return;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BackpropDbContext>();
            do
            {
                try
                {
                    if (sinceRenewal.Elapsed >= options.LeaseDuration / 3)
                    {
                        if (!await JobTransitions.RenewAsync(db, jobId, owner, options.LeaseDuration, _stop.Token))
                        {
                            _leaseLost = true;
                            training.Cancel();
                            return;
                        }
                        sinceRenewal.Restart();
                    }
                    if (await db.Set<TrainingJob>().Where(j => j.Id == jobId).Select(j => j.CancelRequested)
                        .SingleAsync(_stop.Token))
                        training.Cancel();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A busy or failing database: try again at the next tick; the lease has slack for a few misses.
                    logger.LogWarning(e, "Heartbeat of job {JobId} failed.", jobId);
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        await _loop;
        _stop.Dispose();
    }
}
