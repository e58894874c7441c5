using System.Diagnostics;
using System.Globalization;
using Backprop.Api.Jobs;
using Backprop.Api.Networks;

namespace Backprop.Api.Telemetry;

/// <summary>
/// The span of one run of a training job: a root span (the request that queued the job ended long ago) tagged with the
/// tenant, job and network shape, an "epoch" event per epoch with its losses and metrics (and, for a refitting job, its
/// phase), a "refit" event where the refit on every row begins, and the stop reason at the end; a failed or diverged
/// job ends with error status. Null-safe: without a listener there is no span and every call
/// is free.
/// </summary>
public sealed class JobTrace : IDisposable
{
    private readonly Activity? _activity;
    private readonly int _maxEpochEvents; // a 100,000-epoch job must not hold 100,000 events in memory until it ends
    private readonly bool _refits;
    private int _epochEvents;
    private int? _refitFrom; // the selection's last epoch once the refit has begun

    private JobTrace(Activity? activity, int maxEpochEvents, bool refits, int? refitFrom)
    {
        _activity = activity;
        _maxEpochEvents = maxEpochEvents;
        _refits = refits;
        _refitFrom = refitFrom;
    }

    /// <param name="maxEpochEvents">Telemetry:MaxEpochEventsPerJob.</param>
    public static JobTrace Start(TrainingJob job, int maxEpochEvents)
    {
        // The worker's loop may carry whatever span was current when it started; a job is its own trace.
        Activity.Current = null;
        var activity = BackpropTelemetry.Source.StartActivity("training job", ActivityKind.Internal,
            parentContext: default,
            tags:
            [
                new("backprop.tenant", job.TenantId),
                new("backprop.job.id", job.Id.ToString()),
                new("backprop.job.attempt", job.Attempt),
                new("backprop.job.epochs", job.Epochs),
                new("backprop.network.id", job.NetworkId.ToString()),
                new("backprop.dataset.id", job.DatasetId.ToString()),
            ]);
        // a run resumed inside the refit has begun it already
        if (job.RefitFromEpoch is { } from) activity?.SetTag("backprop.job.refit_from_epoch", from);
        return new JobTrace(activity, maxEpochEvents, job.Request.Refit, job.RefitFromEpoch);
    }

    /// <summary>The validation split chose <paramref name="epochs"/> epochs after <paramref name="fromEpoch"/>: the
    /// refit on all <paramref name="rows"/> rows begins.</summary>
    public void Refit(int fromEpoch, int epochs, int rows)
    {
        _refitFrom = fromEpoch;
        if (_activity is null) return;
        _activity.SetTag("backprop.job.refit_from_epoch", fromEpoch);
        _activity.SetTag("backprop.job.epochs", fromEpoch + epochs);
        _activity.AddEvent(new ActivityEvent("refit", tags: new ActivityTagsCollection
        {
            ["from_epoch"] = fromEpoch, ["epochs"] = epochs, ["rows"] = rows,
        }));
    }

    /// <summary>Layer widths from input to output, e.g. "4-16-3".</summary>
    public void Network(NetworkDefinition definition)
    {
        if (_activity is null) return;
        var widths = (definition.Layers ?? []).Select(l => l.Units.ToString(CultureInfo.InvariantCulture));
        var input = definition.InputWidth.ToString(CultureInfo.InvariantCulture);
        _activity.SetTag("backprop.network.shape", string.Join('-', widths.Prepend(input)));
    }

    public void Epoch(EpochReport report)
    {
        if (_activity is null) return;
        _activity.SetTag("backprop.job.epoch", report.Epoch);
        if (_epochEvents >= _maxEpochEvents)
        {
            _activity.SetTag("backprop.job.epoch_events_dropped", report.Epoch - _epochEvents);
            return;
        }
        _epochEvents++;
        var tags = new ActivityTagsCollection
        {
            ["epoch"] = report.Epoch,
            ["train_loss"] = report.TrainLoss,
            ["learning_rate"] = report.LearningRate,
            ["duration_ms"] = report.Duration.TotalMilliseconds,
        };
        if (_refits) tags["phase"] = report.Epoch > _refitFrom ? "refit" : "selection";
        Add(tags, "validation_loss", report.ValidationLoss);
        Add(tags, "train_accuracy", report.TrainAccuracy);
        Add(tags, "validation_accuracy", report.ValidationAccuracy);
        Add(tags, "train_rmse", report.TrainRmse);
        Add(tags, "validation_rmse", report.ValidationRmse);
        _activity.AddEvent(new ActivityEvent("epoch", tags: tags));
    }

    /// <param name="status">The job's final status in the API's words.</param>
    /// <param name="stopReason">The stop reason in the API's words.</param>
    /// <param name="failure">What went wrong, for a failed job.</param>
    public void Finished(string status, string stopReason, string? failure)
    {
        if (_activity is null) return;
        _activity.SetTag("backprop.job.status", status);
        _activity.SetTag("backprop.job.stop_reason", stopReason);
        if (status == "failed") _activity.SetStatus(ActivityStatusCode.Error, failure ?? stopReason);
        else _activity.SetStatus(ActivityStatusCode.Ok);
    }

    /// <summary>
    /// The run ended without ending the job (shutdown, lost lease, storage failure): another run resumes it.
    /// </summary>
    public void Interrupted(string why) => _activity?.SetTag("backprop.job.interrupted", why);

    public void Dispose() => _activity?.Dispose();

    private static void Add(ActivityTagsCollection tags, string name, double? value)
    {
        if (value is { } v) tags[name] = v;
    }
}
