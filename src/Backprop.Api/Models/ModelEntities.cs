using Backprop.Api.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Backprop.Api.Models;

/// <summary>A trained or imported model's description. The weights live in <see cref="ModelBlob"/>, so listings never
/// load them.</summary>
public sealed class ModelEntity : ITenantOwned
{
    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public string? Name { get; set; }
    /// <summary>The tenant-unique name the Open Inference Protocol serves the model by, besides its id.</summary>
    public string? ServingName { get; set; }
    /// <summary>"training" or "import".</summary>
    public required string Source { get; set; }
    /// <summary>"classification" or "regression".</summary>
    public required string Task { get; set; }
    public int InputWidth { get; set; }
    public int OutputWidth { get; set; }
    public long ParameterCount { get; set; }
    /// <summary>Architecture as a <see cref="Networks.NetworkDefinition"/> JSON document.</summary>
    public required string ArchitectureJson { get; set; }
    /// <summary><see cref="ModelDetails"/> (normalisation, names, metrics) as JSON.</summary>
    public required string DetailsJson { get; set; }
    public Guid? JobId { get; set; }
    public Guid? DatasetId { get; set; }
    public Guid? NetworkId { get; set; }
    public Guid? WarmStartModelId { get; set; }
    public ulong? Seed { get; set; }
    public int? Epochs { get; set; }
    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; set; }
}

/// <summary>The model in the core's binary format and, for trained models, the final training snapshot (optimizer state
/// for continued training).</summary>
public sealed class ModelBlob
{
    public Guid ModelId { get; set; }
    public required byte[] Model { get; set; }
    public byte[]? Snapshot { get; set; }
}

internal sealed class ModelEntityConfiguration : IEntityTypeConfiguration<ModelEntity>
{
    public void Configure(EntityTypeBuilder<ModelEntity> b)
    {
        b.ToTable("Models");
        b.Property(e => e.TenantId).HasMaxLength(64);
        b.Property(e => e.Name).HasMaxLength(200);
        b.Property(e => e.ServingName).HasMaxLength(ServingNames.MaxLength);
        b.HasIndex(e => new { e.TenantId, e.ServingName }).IsUnique();
        b.Property(e => e.Source).HasMaxLength(16);
        b.Property(e => e.Task).HasMaxLength(16);
        b.Property(e => e.Seed).HasConversion(v => v.HasValue ? unchecked((long)v.Value) : (long?)null, v => v.HasValue
            ? unchecked((ulong)v.Value) : null);
        b.HasIndex(e => new { e.TenantId, e.CreatedAt });
    }
}

internal sealed class ModelBlobConfiguration : IEntityTypeConfiguration<ModelBlob>
{
    public void Configure(EntityTypeBuilder<ModelBlob> b)
    {
        b.ToTable("ModelBlobs");
        b.HasKey(e => e.ModelId);
        b.HasOne<ModelEntity>().WithOne().HasForeignKey<ModelBlob>(e => e.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}
