using Backprop.Api.Security;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Data;

/// <summary>EF Core on one SQLite file (WAL), migrated at start; the tenant seam.</summary>
public static class PersistenceExtensions
{
    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var connectionString = ResolveConnectionString(
            configuration.GetConnectionString("Backprop") ?? throw new InvalidOperationException("ConnectionStrings:Backprop is not set."),
            environment.ContentRootPath);
        // Pooled: a request that needs the database rents a ready context instead of building one.
        services.AddDbContextPool<BackpropDbContext>(o => o.UseSqlite(connectionString));
        services.AddScoped<TenantContext>();
        services.AddScoped<ICurrentTenant>(sp => sp.GetRequiredService<TenantContext>());
        services.AddHealthChecks().AddDbContextCheck<BackpropDbContext>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>Relative file names are taken from the content root, and the folder is created, so a fresh clone runs with no setup.</summary>
    private static string ResolveConnectionString(string connectionString, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            var path = Path.GetFullPath(file, contentRoot);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            builder.DataSource = path;
        }
        return builder.ToString();
    }

    /// <summary>
    /// Applies migrations. EF (9+) serialises migrations on SQLite with a row in __EFMigrationsLock; a start killed
    /// mid-migration leaves that row behind and the next start would wait for it forever. One process owns the file
    /// (SQLite), so a lock row seen before this process migrates is stale and is removed.
    /// </summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BackpropDbContext>();
        await db.Database.OpenConnectionAsync();
        try
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            var hasLockTable = await db.Database
                .SqlQueryRaw<long>("SELECT COUNT(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsLock'")
                .SingleAsync() > 0;
            if (hasLockTable) await db.Database.ExecuteSqlRawAsync("DELETE FROM \"__EFMigrationsLock\";");
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        await db.Database.MigrateAsync();
    }
}
