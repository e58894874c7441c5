using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Data;

/// <summary>
/// The service's database. Entity configurations live beside their entities (IEntityTypeConfiguration) and are picked
/// up from this
/// assembly. This type is the SQLite context (migrations in Data/Migrations); <see cref="PostgresBackpropDbContext"/>
/// is the same
/// model on PostgreSQL with its own migrations, and the rest of the service only ever asks for <see
/// cref="BackpropDbContext"/>.
/// </summary>
public class BackpropDbContext : DbContext
{
    public BackpropDbContext(DbContextOptions<BackpropDbContext> options) : base(options) { }

    protected BackpropDbContext(DbContextOptions options) : base(options) { }

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BackpropDbContext).Assembly);
}

/// <summary>The model on PostgreSQL; a type of its own so that its migrations (Data/Migrations/Postgres) are found
/// apart from SQLite's.</summary>
public sealed class PostgresBackpropDbContext(DbContextOptions<PostgresBackpropDbContext> options)
    : BackpropDbContext(options);
