using Backprop.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Backprop.Api.Jobs;

public enum JobStatus { Queued, Running, Succeeded, Failed, Cancelled }

/// <summary>A training job. The row is the truth; the in-memory queue only carries its id as a wake-up call.</summary>
public sealed class TrainingJob : ITenantOwned
{
    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public Guid NetworkId { get; set; }
    public Guid DatasetId { get; set; }
    public Guid? WarmStartModelId { get; set; }
    public JobStatus Status { get; set; }
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; set; }
    public int Epochs { get; set; }
    public double? TrainLoss { get; set; }
    public double? ValidationLoss { get; set; }
    public double? BestTrainLoss { get; set; }
    public double? BestValidationLoss { get; set; }
    public int? BestEpoch { get; set; }
    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public string? FailureReason { get; set; }
    /// <summary>completed, early_stopped, diverged or cancelled once finished.</summary>
    public string? StopReason { get; set; }
    public Guid? ModelId { get; set; }
    /// <summary>The <see cref="TrainingJobRequest"/> as JSON.</summary>
    public required string RequestJson { get; set; }
    /// <summary>The network definition at queue time, so deleting or editing the network never changes a job.</summary>
    public required string NetworkJson { get; set; }
    /// <summary>Seed of shuffles and the validation split (the request's, else the network's).</summary>
    public ulong Seed { get; set; }
    /// <summary>Times a worker has started this job.</summary>
    public int Attempt { get; set; }
    public bool CancelRequested { get; set; }
}

/// <summary>One epoch's report from the core.</summary>
public sealed class EpochRecord : ITenantOwned
{
    public Guid JobId { get; set; }
    public int Epoch { get; set; }
    public required string TenantId { get; set; }
    public double? TrainLoss { get; set; }
    public double? ValidationLoss { get; set; }
    public double? TrainAccuracy { get; set; }
    public double? ValidationAccuracy { get; set; }
    public double? TrainRmse { get; set; }
    public double? ValidationRmse { get; set; }
    public double? TrainR2 { get; set; }
    public double? ValidationR2 { get; set; }
    public double? LearningRate { get; set; }
    /// <summary>Per-layer gradient norms and update ratios (<see cref="LayerStatisticsResponse"/>[]) as JSON.</summary>
    public required string LayersJson { get; set; }
    public double DurationMs { get; set; }
}

internal sealed class TrainingJobConfiguration : IEntityTypeConfiguration<TrainingJob>
{
    public void Configure(EntityTypeBuilder<TrainingJob> b)
    {
        b.ToTable("TrainingJobs");
        b.Property(e => e.TenantId).HasMaxLength(64);
        b.Property(e => e.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(e => e.StopReason).HasMaxLength(32);
        b.Property(e => e.Seed).HasConversion(v => unchecked((long)v), v => unchecked((ulong)v));
        b.HasIndex(e => new { e.TenantId, e.CreatedAt });
        b.HasIndex(e => e.Status);
        b.HasIndex(e => e.DatasetId);
    }
}

internal sealed class EpochRecordConfiguration : IEntityTypeConfiguration<EpochRecord>
{
    public void Configure(EntityTypeBuilder<EpochRecord> b)
    {
        b.ToTable("EpochHistory");
        b.HasKey(e => new { e.JobId, e.Epoch });
        b.Property(e => e.TenantId).HasMaxLength(64);
        b.HasOne<TrainingJob>().WithMany().HasForeignKey(e => e.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}
