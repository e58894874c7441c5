using Backprop.Api.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Backprop.Api.Datasets;

/// <summary>An uploaded dataset's metadata and profile. The data itself lives in <see cref="DatasetContentEntity"/>, so
/// listings never load it.</summary>
public sealed class DatasetEntity : ITenantOwned
{
    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public required string Name { get; set; }
    /// <summary>"classification" or "regression".</summary>
    public required string Task { get; set; }
    public required string TargetColumn { get; set; }
    public List<string> FeatureNames { get; set; } = [];
    /// <summary>Label index = position; null for regression.</summary>
    public List<string>? ClassNames { get; set; }
    public int RowCount { get; set; }
    public int FeatureCount { get; set; }
    public int ClassCount { get; set; }
    /// <summary>Size of the stored (encoded) data.</summary>
    public long SizeBytes { get; set; }
    /// <summary>The <see cref="DatasetProfile"/> as JSON.</summary>
    public required string ProfileJson { get; set; }
    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; set; }
    public DatasetContentEntity? Content { get; set; }
}

/// <summary>The encoded rows (<see cref="DatasetContentCodec"/>), one row per dataset, deleted with it.</summary>
public sealed class DatasetContentEntity
{
    public Guid DatasetId { get; set; }
    public required byte[] Data { get; set; }
}

internal sealed class DatasetEntityConfiguration : IEntityTypeConfiguration<DatasetEntity>
{
    public void Configure(EntityTypeBuilder<DatasetEntity> b)
    {
        b.ToTable("Datasets");
        b.HasKey(d => d.Id);
        b.Property(d => d.TenantId).HasMaxLength(64);
        b.Property(d => d.Name).HasMaxLength(DatasetLimits.MaxNameLength);
        b.Property(d => d.Task).HasMaxLength(16);
        b.Property(d => d.TargetColumn).HasMaxLength(DatasetLimits.MaxColumnNameLength);
        b.HasIndex(d => new { d.TenantId, d.CreatedAt });
        b.HasOne(d => d.Content).WithOne()
            .HasForeignKey<DatasetContentEntity>(c => c.DatasetId)
            .OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DatasetContentEntityConfiguration : IEntityTypeConfiguration<DatasetContentEntity>
{
    public void Configure(EntityTypeBuilder<DatasetContentEntity> b)
    {
        b.ToTable("DatasetContents");
        b.HasKey(c => c.DatasetId);
    }
}
