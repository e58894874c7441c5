using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Backprop.Api.Data;

/// <summary>Lets `dotnet ef migrations add` build the SQLite model without starting the app or reading its
/// configuration.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<BackpropDbContext>
{
    public BackpropDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<BackpropDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>The same for the PostgreSQL model (`--context PostgresBackpropDbContext`); no server is
/// contacted.</summary>
internal sealed class PostgresDesignTimeDbContextFactory : IDesignTimeDbContextFactory<PostgresBackpropDbContext>
{
    public PostgresBackpropDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresBackpropDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time").Options);
}
