namespace Backprop.Api.Jobs;

/// <summary>Where a job is in its life; stored as the member's name (<c>Queued</c>, ...), sent as snake_case.</summary>
public enum JobStatus { Queued, Running, Succeeded, Failed, Cancelled }

/// <summary>Why a finished job stopped; stored and sent as snake_case (<c>early_stopped</c>, ...).</summary>
public enum JobStopReason
{
    /// <summary>Every requested epoch ran.</summary>
    Completed,
    /// <summary>Early stopping saw no improvement for its patience.</summary>
    EarlyStopped,
    /// <summary>The loss became non-finite or grew past the divergence limit; the job failed.</summary>
    Diverged,
    /// <summary>A client cancelled the job.</summary>
    Cancelled,
    /// <summary>The job could not run (bad data, a missing model, an unexpected error, or too many crashed
    /// attempts).</summary>
    Failed,
    /// <summary>A search's early-termination rule (ASHA, median) stopped the trial; it succeeded with the model of its
    /// last epoch.</summary>
    Pruned,
}

/// <summary>Which of a refitting job's two trainings is running, or ran an epoch.</summary>
public enum JobPhase
{
    /// <summary>On the training split, while the validation split chooses the epoch count.</summary>
    Selection,
    /// <summary>On every row, from the same initial weights, for the chosen epoch count.</summary>
    Refit,
}

public static class JobStates
{
    public static bool IsFinished(this JobStatus status) =>
        status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;
}
