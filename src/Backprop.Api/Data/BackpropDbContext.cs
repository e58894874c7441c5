using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Data;

/// <summary>The service's database. Entity configurations live beside their entities (IEntityTypeConfiguration) and are
/// picked up from this assembly.</summary>
public sealed class BackpropDbContext(DbContextOptions<BackpropDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BackpropDbContext).Assembly);
}
