using Backprop.Api.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Backprop.Api.Networks;

/// <summary>A stored network configuration; the definition is kept as its request JSON.</summary>
public sealed class NetworkEntity : ITenantOwned
{
    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public string? Name { get; set; }
    public int InputWidth { get; set; }
    public int OutputWidth { get; set; }
    public int LayerCount { get; set; }
    public long ParameterCount { get; set; }
    public required string DefinitionJson { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class NetworkEntityConfiguration : IEntityTypeConfiguration<NetworkEntity>
{
    public void Configure(EntityTypeBuilder<NetworkEntity> b)
    {
        b.ToTable("Networks");
        b.Property(e => e.TenantId).HasMaxLength(64);
        b.Property(e => e.Name).HasMaxLength(200);
        b.HasIndex(e => new { e.TenantId, e.CreatedAt });
    }
}
