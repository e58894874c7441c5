using System.Diagnostics;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Backprop.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Jobs.Live;

/// <summary>
/// One client's event stream of one job: a <c>status</c> event first and on every transition, an <c>epoch</c> event (id
/// = epoch) per epoch after the client's <c>Last-Event-ID</c>, a <c>diagnostics</c> event (the findings, as on the job)
/// whenever a training-diagnostics finding is raised or changes, and heartbeat comments; it ends after the final
/// status. Epochs come from the stored history up to the job's last checkpoint and from the live view after it, so none
/// is missed or sent twice. When the job runs faster than <see cref="LiveOptions.MaxEventsPerSecond"/>, each event
/// carries the newest epoch and the ones between are skipped (the history has them); the final epoch is always sent. A
/// job that does not run in this process (queued, or on another replica) is followed through its row and stored
/// history, polled every <see cref="LiveOptions.StoredPollInterval"/>, so its epochs arrive as its checkpoints land.
/// </summary>
internal sealed class JobEventStream(Guid jobId, int cursor, BackpropDbContext db, LiveJobs live, LiveOptions options,
    JsonSerializerOptions json, HttpResponse response)
{
    private const int StoredPage = 500;
    private static readonly ReadOnlyMemory<byte> Heartbeat = Encoding.ASCII.GetBytes(": heartbeat\n\n");
    private readonly TimeSpan _minInterval = options.MaxEventsPerSecond > 0
        ? TimeSpan.FromSeconds(1 / options.MaxEventsPerSecond) : TimeSpan.Zero;
    private JobStatus? _sentStatus;
    private JobPhase? _sentPhase;
    private string _sentFindings = "";
    private long _lastEpochSent, _lastWrite;

    private bool Thinned => _minInterval > TimeSpan.Zero;

    public async IAsyncEnumerable<SseItem<string>> ReadAsync([EnumeratorCancellation] CancellationToken ct)
    {
        using var subscription = live.Subscribe();
        while (true)
        {
            var view = await ObserveAsync(ct);
            if (view is null) yield break; // the job was deleted
            bool finished = view.Status.IsFinished();
            if (!finished && view.Status != _sentStatus) yield return Sent(Status(view));
            if (view.Findings is { } findings && FindingsKey(findings) != _sentFindings)
            {
                _sentFindings = FindingsKey(findings);
                yield return Sent(new SseItem<string>(JsonSerializer.Serialize(findings, json), "diagnostics"));
            }

            if (view.LatestEpoch > cursor)
            {
                if (Thinned && !finished && Stopwatch.GetElapsedTime(_lastEpochSent) < _minInterval)
                {
                    // Not woken by every epoch, only by the job's end, whose last epoch and status go out at once.
                    await WaitAsync(view.Ended, _minInterval - Stopwatch.GetElapsedTime(_lastEpochSent), ct);
                    continue;
                }
                foreach (var epoch in await EpochsToSendAsync(view, ct))
                {
                    // A refit's start is news to a client that saw the selection: the epochs from here on train on
                    // every row, up to a new last epoch.
                    if (epoch.Phase == JobPhase.Refit && _sentPhase == JobPhase.Selection)
                        yield return Sent(Status(view with { LatestEpoch = cursor, Status = JobStatus.Running }));
                    cursor = epoch.Epoch;
                    _lastEpochSent = Stopwatch.GetTimestamp();
                    yield return Sent(new SseItem<string>(JsonSerializer.Serialize(epoch, json),
                        "epoch") { EventId = epoch.Epoch.ToString(CultureInfo.InvariantCulture) });
                }
                if (view.LatestEpoch > cursor) continue;
            }
            if (finished)
            {
                yield return Sent(Status(view));
                yield break;
            }
            await WaitAsync(view.Changed, view.Live is null ? options.StoredPollInterval : options.HeartbeatInterval,
                ct);
        }
    }

    private SseItem<string> Status(View view)
    {
        (_sentStatus, _sentPhase) = (view.Status, view.Phase);
        var e = new JobStatusEvent(view.Status, view.LatestEpoch, view.Epochs, view.StopReason, view.FailureReason,
            view.ModelId, view.Phase, view.RefitFromEpoch);
        return new SseItem<string>(JsonSerializer.Serialize(e, json), "status");
    }

    private SseItem<string> Sent(SseItem<string> item)
    {
        _lastWrite = Stopwatch.GetTimestamp();
        return item;
    }

    /// <summary>The job as the live view has it, or as its row has it when it does not run here (null once
    /// deleted).</summary>
    private async Task<View?> ObserveAsync(CancellationToken ct)
    {
        if (live.Find(jobId) is { } job)
        {
            var changed = job.Changed(); // taken before reading, so no change between the two is missed
            var s = job.Read(Thinned ? int.MaxValue : cursor);
            if (!s.Detached)
                return new View(s.Status, s.StoredEpoch, s.LatestEpoch, s.Epochs, s.StopReason, s.FailureReason,
                    s.ModelId, s, changed, job.Ended)
                {
                    Findings = s.Findings,
                    Refit = job.Refit,
                    RefitFromEpoch = s.RefitFromEpoch,
                };
        }
        var started = live.JobsChanged();
        var row = await db.Set<TrainingJob>().AsNoTracking().Where(j => j.Id == jobId)
            .Select(j => new { j.Status, j.Epoch, j.Epochs, j.StopReason, j.FailureReason, j.ModelId,
                j.DiagnosticsJson, j.Request, j.RefitFromEpoch }).SingleOrDefaultAsync(ct);
        return row is null ? null : new View(row.Status, row.Epoch, row.Epoch, row.Epochs,
            row.StopReason is { } stop ? JsonNames.Of(stop) : null,
            row.FailureReason, row.ModelId, null, started, started)
        {
            Findings = row.DiagnosticsJson is null ? null : JobDiagnostics.Findings(row.DiagnosticsJson),
            Refit = row.Request.Refit,
            RefitFromEpoch = row.RefitFromEpoch,
        };
    }

    /// <summary>Every epoch after the cursor (stored ones a page at a time), or only the newest one when
    /// thinned.</summary>
    private async Task<IReadOnlyList<EpochResponse>> EpochsToSendAsync(View view, CancellationToken ct)
    {
        if (Thinned)
        {
            if (view.Live?.Latest is { } latest && latest.Epoch == view.LatestEpoch)
                return [view.Of(latest.ToResponse())];
            var stored = await db.Set<EpochEntity>().AsNoTracking().Where(e => e.JobId == jobId && e.Epoch > cursor
                && e.Epoch <= view.LatestEpoch)
                .OrderByDescending(e => e.Epoch).FirstOrDefaultAsync(ct);
            // a continued job's first epochs belong to the job it continues
            if (stored is null) cursor = view.LatestEpoch;
            return stored is null ? [] : [view.Of(stored.ToResponse())];
        }
        if (cursor < view.StoredEpoch)
        {
            var page = await db.Set<EpochEntity>().AsNoTracking().Where(e => e.JobId == jobId && e.Epoch > cursor
                && e.Epoch <= view.StoredEpoch)
                .OrderBy(e => e.Epoch).Take(StoredPage).ToListAsync(ct);
            if (page.Count < StoredPage) cursor = view.StoredEpoch;
            return page.Select(e => view.Of(e.ToResponse())).ToList();
        }
        return view.Live is { } s ? s.Unstored.Where(r => r.Epoch > cursor).Select(r => view.Of(r.ToResponse()))
            .ToList() : [];
    }

    /// <summary>Until the job changes or <paramref name="poll"/> passes, writing a heartbeat comment whenever the
    /// stream has been quiet that long.</summary>
    private async Task WaitAsync(Task changed, TimeSpan poll, CancellationToken ct)
    {
        // The formatter writes each event without flushing; before waiting, whatever was written goes out.
        await response.Body.FlushAsync(ct);
        var quiet = Stopwatch.GetElapsedTime(_lastWrite);
        if (quiet >= options.HeartbeatInterval)
        {
            await response.Body.WriteAsync(Heartbeat, ct);
            await response.Body.FlushAsync(ct);
            _lastWrite = Stopwatch.GetTimestamp();
            quiet = TimeSpan.Zero;
        }
        var wait = Min(poll, options.HeartbeatInterval - quiet);
        try { await changed.WaitAsync(wait, ct); }
        catch (TimeoutException) { }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a > TimeSpan.Zero ? a : TimeSpan.Zero)
        : (b > TimeSpan.Zero ? b : TimeSpan.Zero);

    private sealed record View(JobStatus Status, int StoredEpoch, int LatestEpoch, int Epochs, string? StopReason,
        string? FailureReason, Guid? ModelId, LiveState? Live, Task Changed, Task Ended)
    {
        public IReadOnlyList<FindingResponse>? Findings { get; init; }
        public bool Refit { get; init; }
        public int? RefitFromEpoch { get; init; }
        public JobPhase? Phase => JobMapping.PhaseOf(Refit, RefitFromEpoch);

        /// <summary>The epoch with the training it belongs to.</summary>
        public EpochResponse Of(EpochResponse epoch) =>
            epoch with { Phase = JobMapping.PhaseOf(Refit, RefitFromEpoch, epoch.Epoch) };
    }

    // Findings are resent when one is raised or changes severity or episode; a finding that merely holds on is not
    // news.
    private static string FindingsKey(IReadOnlyList<FindingResponse> findings) =>
        string.Join(';', findings.Select(f => $"{f.Code}/{f.Layer}/{f.Severity}/{f.Epoch}"));
}

/// <summary>A job's state on its event stream.</summary>
/// <param name="Status">queued, running, succeeded, failed or cancelled.</param>
/// <param name="Epoch">The newest completed epoch.</param>
/// <param name="Epochs">The epoch the job stops at, at most.</param>
/// <param name="StopReason">completed, early_stopped, diverged or cancelled once finished.</param>
/// <param name="FailureReason">Why a failed job failed.</param>
/// <param name="ModelId">The trained model of a succeeded job.</param>
/// <param name="Phase">A refitting job's training: selection, or refit once it has started (a status event marks the
/// change); null for a job that does not refit.</param>
/// <param name="RefitFromEpoch">The selection's last epoch once the refit has started: later epochs are the
/// refit's.</param>
public sealed record JobStatusEvent(JobStatus Status, int Epoch, int Epochs, string? StopReason, string? FailureReason,
    Guid? ModelId, JobPhase? Phase = null, int? RefitFromEpoch = null);
