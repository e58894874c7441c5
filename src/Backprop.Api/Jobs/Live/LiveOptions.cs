using System.ComponentModel.DataAnnotations;

namespace Backprop.Api.Jobs.Live;

/// <summary>The live view of running jobs and their event streams ("Live" section).</summary>
public sealed class LiveOptions
{
    public const string Section = "Live";

    /// <summary>Most epoch events per second on one stream; a faster job's stream carries its newest epoch at this
    /// rate. 0 = every epoch.</summary>
    [Range(0, 1000)] public double MaxEventsPerSecond { get; set; } = 10;
    /// <summary>A comment line is sent after this long without an event, so proxies and clients see a live
    /// connection.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")] public TimeSpan HeartbeatInterval { get; set; } =
        TimeSpan.FromSeconds(15);
    /// <summary>How often a stream reads the job's row and stored history when the job does not run in this
    /// process.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")] public TimeSpan StoredPollInterval { get; set; } =
        TimeSpan.FromSeconds(1);
    /// <summary>Epochs in the moving average of epoch durations that gives a running job's estimated remaining
    /// time.</summary>
    [Range(1, 10_000)] public int EtaWindowEpochs { get; set; } = 20;
}
