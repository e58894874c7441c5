using System.Diagnostics;

namespace Backprop.Api.Jobs.Live;

/// <summary>
/// One job running in this process, as its runner last reported it: the epochs not yet in the stored history (the
/// stored history has the rest), the newest epoch, progress, status and an exponential moving average of epoch wall
/// times. The runner's thread only appends a reference it already has and updates a few numbers under a short lock.
/// </summary>
internal sealed class LiveJob
{
    private readonly object _gate = new();
    private readonly List<EpochReport> _unstored = []; // epochs after StoredEpoch, in order
    private readonly double _alpha;
    private TaskCompletionSource? _changed;             // created by the first waiter, completed by the next change
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EpochReport? _latest;
    private JobProgress _progress;
    private JobStatus _status = JobStatus.Running;
    private string? _stopReason, _failureReason;
    private Guid? _modelId;
    private IReadOnlyList<FindingResponse>? _findings; // null until the runner publishes some
    private bool _detached;
    private int _storedEpoch;
    private long _lastTimestamp;
    private double _averageSeconds = double.NaN;
    private int _epochs;
    private int? _refitFrom;

    internal LiveJob(TrainingJob job, int etaWindow)
    {
        Id = job.Id;
        TenantId = job.TenantId;
        _epochs = job.Epochs;
        Refit = job.Request.Refit;
        _refitFrom = job.RefitFromEpoch;
        _storedEpoch = job.Epoch;
        _progress = JobProgress.Of(job);
        _alpha = 2.0 / (etaWindow + 1);
        _lastTimestamp = Stopwatch.GetTimestamp();
    }

    public Guid Id { get; }
    public string TenantId { get; }
    /// <summary>The epoch the job stops at, at most (a refit's start sets it to the refit's last epoch).</summary>
    public int Epochs { get { lock (_gate) return _epochs; } }
    /// <summary>The job retrains on every row once its validation split has chosen the epochs.</summary>
    public bool Refit { get; }
    /// <summary>Completes when the job finishes here or its runner lets go.</summary>
    public Task Ended => _ended.Task;

    /// <summary>A consistent copy of what the view holds; <paramref name="after"/> selects the unstored epochs to
    /// copy.</summary>
    public LiveState Read(int after = int.MaxValue)
    {
        lock (_gate)
        {
            List<EpochReport>? epochs = null;
            if (after < LatestEpochLocked)
                epochs = _unstored.FindAll(r => r.Epoch > after);
            double? remaining = _status == JobStatus.Running && !double.IsNaN(_averageSeconds) ? _averageSeconds
                * Math.Max(0, _epochs - _progress.Epoch) : null;
            return new LiveState(_status, _detached, _storedEpoch, _latest, _progress, remaining, _stopReason,
                _failureReason, _modelId, epochs ?? [])
            {
                Findings = _findings,
                Epochs = _epochs,
                Phase = JobMapping.PhaseOf(Refit, _refitFrom),
                RefitFromEpoch = _refitFrom,
            };
        }
    }

    private int LatestEpochLocked => _latest?.Epoch ?? _storedEpoch;

    /// <summary>Completes when the view changes (an epoch, a stored checkpoint, a status); the waiter's continuation
    /// never runs on the runner's thread.</summary>
    public Task Changed()
    {
        lock (_gate) return (_changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))
            .Task;
    }

    internal void Publish(EpochReport report, JobProgress progress)
    {
        long now = Stopwatch.GetTimestamp();
        TaskCompletionSource? changed;
        lock (_gate)
        {
            double seconds = Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
            _lastTimestamp = now;
            _averageSeconds = double.IsNaN(_averageSeconds) ? seconds : _averageSeconds + _alpha
                * (seconds - _averageSeconds);
            _unstored.Add(report);
            _latest = report;
            _progress = progress;
            changed = _changed;
            _changed = null;
        }
        changed?.TrySetResult();
    }

    /// <summary>The refit starts after the selection's epoch <paramref name="from"/> and ends at <paramref
    /// name="epochs"/>.</summary>
    internal void StartRefit(int from, int epochs) => Update(() => (_refitFrom, _epochs) = (from, epochs));

    /// <summary>The diagnostics' findings changed (raised, or a new episode or severity).</summary>
    internal void PublishFindings(IReadOnlyList<FindingResponse> findings) => Update(() => _findings = findings);

    /// <summary>The stored history now holds every epoch up to <paramref name="epoch"/>.</summary>
    internal void Stored(int epoch)
    {
        Update(() =>
        {
            int drop = 0;
            while (drop < _unstored.Count && _unstored[drop].Epoch <= epoch) drop++;
            _unstored.RemoveRange(0, drop);
            _storedEpoch = Math.Max(_storedEpoch, epoch);
        });
    }

    /// <summary>The job ended here and its row says so.</summary>
    internal void Finish(JobStatus status, string? stopReason, string? failureReason, Guid? modelId)
    {
        Update(() => (_status, _stopReason, _failureReason, _modelId) = (status, stopReason, failureReason, modelId));
        _ended.TrySetResult();
    }

    /// <summary>The runner let go without finishing (shutdown, lost lease): from now on the row is the truth.</summary>
    internal void Detach()
    {
        Update(() => _detached = true);
        _ended.TrySetResult();
    }

    private void Update(Action change)
    {
        TaskCompletionSource? changed;
        lock (_gate)
        {
            change();
            changed = _changed;
            _changed = null;
        }
        changed?.TrySetResult();
    }
}

/// <summary>A copy of a <see cref="LiveJob"/>: <paramref name="Unstored"/> are the epochs after <paramref
/// name="StoredEpoch"/> that were asked for.</summary>
internal sealed record LiveState(JobStatus Status, bool Detached, int StoredEpoch, EpochReport? Latest,
    JobProgress Progress, double? EstimatedRemainingSeconds,
    string? StopReason, string? FailureReason, Guid? ModelId, IReadOnlyList<EpochReport> Unstored)
{
    public int LatestEpoch => Latest?.Epoch ?? StoredEpoch;

    /// <summary>The training diagnostics' findings as last published, or null when none were.</summary>
    public IReadOnlyList<FindingResponse>? Findings { get; init; }
    /// <summary>The epoch the job stops at, at most.</summary>
    public int Epochs { get; init; }
    /// <summary>The training running now, for a refitting job.</summary>
    public JobPhase? Phase { get; init; }
    /// <summary>The selection's last epoch once the refit has started.</summary>
    public int? RefitFromEpoch { get; init; }
}
