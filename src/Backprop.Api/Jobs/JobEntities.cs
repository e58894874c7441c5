using Backprop.Api.Data;
using Backprop.Api.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Backprop.Api.Jobs;

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
    /// <summary>Set once the job has finished.</summary>
    public JobStopReason? StopReason { get; set; }
    public Guid? ModelId { get; set; }
    /// <summary>The request as queued, stored as JSON (column <c>RequestJson</c>).</summary>
    public required StoredTrainingRequest Request { get; set; }
    /// <summary>The network definition at queue time, so deleting or editing the network never changes a job.</summary>
    public required string NetworkJson { get; set; }
    /// <summary>Seed of shuffles and the validation split (the request's, else the network's).</summary>
    public ulong Seed { get; set; }
    /// <summary>Times a worker has claimed this job.</summary>
    public int Attempt { get; set; }
    /// <summary>The job's rows in the history table, counted in the same transaction that writes them (the tenant's
    /// history quota sums this, rather than counting a table that grows with every epoch).</summary>
    public int HistoryRows { get; set; }
    /// <summary>Claims since the last checkpoint; a job claimed <see cref="JobOptions.MaxAttempts"/> times without one
    /// fails (a poison job).</summary>
    public int StalledAttempts { get; set; }
    /// <summary>The worker holding the lease (<see cref="WorkerIdentity"/>), or null when no worker runs the
    /// job.</summary>
    public string? LeaseOwner { get; set; }
    /// <summary>UTC; the lease is void from then on and any worker may claim the job.</summary>
    public DateTime? LeaseExpiresAt { get; set; }
    public bool CancelRequested { get; set; }
    /// <summary>Continue this model's training run (its final snapshot, optimizer state included) for <see
    /// cref="Epochs"/> − <see cref="InitialEpoch"/> more epochs.</summary>
    public Guid? ContinuesModelId { get; set; }
    /// <summary>The epoch the job starts from: 0, or the continued model's epochs.</summary>
    public int InitialEpoch { get; set; }
    /// <summary>The training diagnostics' state (the core's <c>DiagnosticsState</c>) as JSON, written with each
    /// checkpoint.</summary>
    public string? DiagnosticsJson { get; set; }
    /// <summary>k on a cross-validation parent (a job no worker runs: its children do the training); null on every
    /// other job.</summary>
    public int? FoldCount { get; set; }
    /// <summary>The cross-validation parent of a fold's job (or of its final training on all rows).</summary>
    public Guid? ParentJobId { get; set; }
    /// <summary>The fold a cross-validation child holds out; null for the parent and the final training.</summary>
    public int? Fold { get; set; }
    /// <summary>The hyperparameter search this job is a trial of.</summary>
    public Guid? SearchId { get; set; }
    /// <summary>The trial's number within its search, from 0.</summary>
    public int? TrialNumber { get; set; }
    /// <summary>
    /// A refitting job (<see cref="StoredTrainingRequest.Refit"/>) in its second training: the selection's last epoch,
    /// after which the history holds the refit's epochs (<see cref="Epochs"/> is then this plus the refit's epochs);
    /// null before.
    /// </summary>
    public int? RefitFromEpoch { get; set; }

    /// <summary>A new job, queued: what every way of creating one (a submission, a continued model, a cross-validation
    /// fold, a search trial) sets alike. The caller adds what is its own (a warm start, a parent, a trial
    /// number).</summary>
    public static TrainingJob Queued(string tenantId, Guid networkId, Guid datasetId, string networkJson,
        StoredTrainingRequest request, ulong seed, int epochs, Guid? id = null) => new()
    {
        Id = id ?? Guid.CreateVersion7(),
        TenantId = tenantId,
        NetworkId = networkId,
        DatasetId = datasetId,
        Status = JobStatus.Queued,
        Epochs = epochs,
        CreatedAt = DateTime.UtcNow,
        Request = request,
        NetworkJson = networkJson,
        Seed = seed,
    };
}

/// <summary>
/// The latest complete training state of a running job (the core's <see
/// cref="Backprop.Core.Training.TrainingSnapshot"/>), written in one transaction with the history rows up to <see
/// cref="Epoch"/>; a resumed job continues from it. One row per job.
/// </summary>
public sealed class JobCheckpoint : ITenantOwned
{
    public Guid JobId { get; set; }
    public required string TenantId { get; set; }
    public int Epoch { get; set; }
    public required byte[] Snapshot { get; set; }
    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; set; }
}

/// <summary>One epoch's report from the core.</summary>
public sealed class EpochEntity : ITenantOwned
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
    /// <summary>Per-layer gradient norms and update ratios, stored as JSON (column <c>LayersJson</c>).</summary>
    public required StoredLayerStatistics[] Layers { get; set; }
    public double DurationMs { get; set; }
}

internal sealed class TrainingJobConfiguration : IEntityTypeConfiguration<TrainingJob>
{
    public void Configure(EntityTypeBuilder<TrainingJob> b)
    {
        b.ToTable("TrainingJobs");
        b.Property(e => e.TenantId).HasMaxLength(64);
        b.Property(e => e.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(e => e.StopReason).HasConversion(new SnakeCaseEnumConverter<JobStopReason>()).HasMaxLength(32);
        b.Property(e => e.Request).HasColumnName("RequestJson")
            .HasConversion(new StoredJsonConverter<StoredTrainingRequest>(),
                JobStorageMapping.JsonComparer<StoredTrainingRequest>());
        b.Property(e => e.Seed).HasConversion(v => unchecked((long)v), v => unchecked((ulong)v));
        b.HasIndex(e => new { e.TenantId, e.CreatedAt });
        b.HasIndex(e => e.Status);
        b.HasIndex(e => e.DatasetId);
        b.Property(e => e.LeaseOwner).HasMaxLength(128);
        b.HasIndex(e => e.ParentJobId);
        // two coordinators never add the same trial twice
        b.HasIndex(e => new { e.SearchId, e.TrialNumber }).IsUnique();
    }
}

internal sealed class JobCheckpointConfiguration : IEntityTypeConfiguration<JobCheckpoint>
{
    public void Configure(EntityTypeBuilder<JobCheckpoint> b)
    {
        b.ToTable("JobCheckpoints");
        b.HasKey(e => e.JobId);
        b.Property(e => e.TenantId).HasMaxLength(64);
        b.HasOne<TrainingJob>().WithOne().HasForeignKey<JobCheckpoint>(e => e.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class EpochEntityConfiguration : IEntityTypeConfiguration<EpochEntity>
{
    public void Configure(EntityTypeBuilder<EpochEntity> b)
    {
        b.ToTable("EpochHistory");
        b.HasKey(e => new { e.JobId, e.Epoch });
        b.Property(e => e.TenantId).HasMaxLength(64);
        // The tenant's history-row quota counts its rows at every submission: from this index, not the wide rows.
        b.HasIndex(e => e.TenantId);
        b.Property(e => e.Layers).HasColumnName("LayersJson")
            .HasConversion(new StoredJsonConverter<StoredLayerStatistics[]>(),
                JobStorageMapping.JsonComparer<StoredLayerStatistics[]>());
        b.HasOne<TrainingJob>().WithMany().HasForeignKey(e => e.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}
