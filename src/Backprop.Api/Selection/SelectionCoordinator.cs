using System.Threading.Channels;
using Backprop.Api.Data;
using Backprop.Api.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Selection;

/// <summary>Wake-up call for <see cref="SelectionCoordinator"/>: a fold or trial finished, or a search was
/// created.</summary>
public sealed class SelectionSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(
        1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Notify() => _channel.Writer.TryWrite(true);

    internal async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        try { await _channel.Reader.ReadAsync(timer.Token); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
    }
}

/// <summary>Options of cross-validation and hyperparameter search ("Selection" section).</summary>
public sealed class SelectionOptions
{
    public const string Section = "Selection";

    /// <summary>How often the coordinator looks at unfinished cross-validations and searches without a wake-up (a trial
    /// on another replica finished, a wall-time budget ran out).</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Most trials a search may ask for.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000)]
    public int MaxTrials { get; set; } = 1000;
}

/// <summary>
/// Moves every unfinished cross-validation and search on: summarises folds into their parent, starts trials within the
/// budget and the tenant's quota, ends what is done. All its state is in the database, so any replica's coordinator can
/// take any step, and a restart carries on where the last one stopped.
/// </summary>
public sealed class SelectionCoordinator(SelectionSignal signal, IServiceScopeFactory scopes,
    IOptions<SelectionOptions> options, ILogger<SelectionCoordinator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PassAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Model-selection pass failed; retrying at the next one.");
            }
            try { await signal.WaitAsync(options.Value.PollInterval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task PassAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<BackpropDbContext>();
        var events = services.GetRequiredService<ClusterEvents>();
        var parents = await db.Set<TrainingJob>().AsNoTracking().Where(j => j.FoldCount != null
            && j.Status == JobStatus.Running).ToListAsync(ct);
        foreach (var parent in parents) await CrossValidation.AdvanceAsync(db, events, parent, ct);
        var searches = await db.Set<SearchEntity>().AsNoTracking().Where(s => s.Status == JobStatus.Running)
            .Select(s => s.Id).ToListAsync(ct);
        foreach (var id in searches)
        {
            await using var searchScope = scopes.CreateAsyncScope();
            await searchScope.ServiceProvider.GetRequiredService<SearchRunner>().AdvanceAsync(id, ct);
        }
    }
}
