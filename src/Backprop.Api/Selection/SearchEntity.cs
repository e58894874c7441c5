using Backprop.Api.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Backprop.Api.Selection;

/// <summary>A hyperparameter search. Its trials are ordinary jobs (<see cref="Jobs.TrainingJob.SearchId"/>); the row
/// holds the request and the outcome.</summary>
public sealed class SearchEntity : ITenantOwned
{
    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public string? Name { get; set; }
    /// <summary>running, succeeded or cancelled.</summary>
    public Jobs.JobStatus Status { get; set; }
    /// <summary>completed, wall_time or cancelled once finished.</summary>
    public string? StopReason { get; set; }
    /// <summary>The <see cref="SearchRequest"/> as JSON.</summary>
    public required string RequestJson { get; set; }
    /// <summary>Trials the search runs: maxTrials, or the grid's size.</summary>
    public int MaxTrials { get; set; }
    public string Metric { get; set; } = "";
    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
}

internal sealed class SearchEntityConfiguration : IEntityTypeConfiguration<SearchEntity>
{
    public void Configure(EntityTypeBuilder<SearchEntity> b)
    {
        b.ToTable("Searches");
        b.Property(e => e.TenantId).HasMaxLength(64);
        b.Property(e => e.Name).HasMaxLength(200);
        b.Property(e => e.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(e => e.StopReason).HasMaxLength(32);
        b.Property(e => e.Metric).HasMaxLength(64);
        b.HasIndex(e => new { e.TenantId, e.CreatedAt });
        b.HasIndex(e => e.Status);
    }
}
