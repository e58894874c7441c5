using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Backprop.Api.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the app or reading its
/// configuration.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<BackpropDbContext>
{
    public BackpropDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<BackpropDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
