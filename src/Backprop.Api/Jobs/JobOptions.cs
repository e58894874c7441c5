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
    /// <summary>Longest time between progress writes to the database while a job runs.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")] public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}
