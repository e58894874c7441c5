using System.ComponentModel.DataAnnotations;

namespace Backprop.Api.Jobs;

/// <summary>The training worker ("Jobs" section).</summary>
public sealed class JobOptions
{
    public const string Section = "Jobs";

    /// <summary>Jobs trained at the same time (each uses one core).</summary>
    [Range(1, 1024)] public int MaxConcurrentJobs { get; set; } = Environment.ProcessorCount;
    /// <summary>Run queued jobs in this process; off = jobs wait in the queue (e.g. an API-only instance).</summary>
    public bool WorkerEnabled { get; set; } = true;
    /// <summary>
    /// Checkpoint after this many epochs (or <see cref="CheckpointInterval"/>, whichever comes first). 100 rather than
    /// 10: a checkpoint costs a transaction and a snapshot (a few ms), and small networks run an epoch in well under a
    /// millisecond.
    /// </summary>
    [Range(1, 1_000_000)] public int CheckpointEveryEpochs { get; set; } = 100;
    /// <summary>Longest time between checkpoints (history, progress and the training state are written
    /// together).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")] public TimeSpan CheckpointInterval { get; set; } =
        TimeSpan.FromSeconds(5);
    /// <summary>How long a worker's claim on a job lasts without renewal; after it, another worker (or the next start)
    /// resumes the job.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan LeaseDuration { get; set; } =
        TimeSpan.FromSeconds(30);
    /// <summary>Claims of a job in a row without a checkpoint before it fails (a job that crashes its process every
    /// time).</summary>
    [Range(1, 1000)] public int MaxAttempts { get; set; } = 3;
    /// <summary>How often the worker re-queues jobs whose lease expired and wakes up queued jobs.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")] public TimeSpan SweepInterval { get; set; } =
        TimeSpan.FromSeconds(10);

    /// <summary>
    /// Estimated working memory one job may need (activations and deltas of a batch, parameters and optimizer state,
    /// the decoded dataset); a job over it is refused at submission with 400. Default: a quarter of the machine's
    /// memory.
    /// </summary>
    [Range(1L << 20, long.MaxValue)] public long MaxJobMemoryBytes { get; set; } = MachineMemoryBytes / 4;
    /// <summary>
    /// Estimated working memory of all the jobs running in this process together; a job that does not fit waits in the
    /// queue until running jobs finish (a job runs alone whatever its estimate). Default: half of the machine's memory.
    /// </summary>
    [Range(1L << 20, long.MaxValue)] public long MemoryBudgetBytes { get; set; } = MachineMemoryBytes / 2;

    /// <summary>Memory this process may use: the machine's, or the container's limit.</summary>
    public static long MachineMemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// Retries of a checkpoint or final write that failed for a storage reason (disk full, I/O error, a lock held too
    /// long), after <see cref="WriteRetryDelay"/>, doubling each time; then the worker gives the job back and it
    /// resumes from its last checkpoint.
    /// </summary>
    [Range(0, 20)] public int WriteRetries { get; set; } = 5;
    /// <summary>Wait before the first retry of a failed write.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")] public TimeSpan WriteRetryDelay { get; set; } =
        TimeSpan.FromMilliseconds(200);

    /// <summary>Renew the lease a few times per duration, and look for a cancel request (from any process) at least
    /// every second.</summary>
    public TimeSpan HeartbeatInterval => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks,
        LeaseDuration.Ticks / 4));
}
