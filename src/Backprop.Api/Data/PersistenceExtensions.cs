using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration.Json;

namespace Backprop.Api.Data;

/// <summary>EF Core on one SQLite file (WAL), migrated at start; the tenant seam; health endpoints.</summary>
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

    /// <summary>
    /// appsettings.json lives at the repository root and is linked into the build output. When the content root has no
    /// copy (e.g. `dotnet run --project src/Backprop.Api` from elsewhere), read the output's copy, below every other source.
    /// </summary>
    public static ConfigurationManager AddLinkedAppSettings(this ConfigurationManager configuration, IHostEnvironment environment)
    {
        var linked = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        if (File.Exists(Path.Combine(environment.ContentRootPath, "appsettings.json")) || !File.Exists(linked)) return configuration;
        var source = new JsonConfigurationSource { Path = linked, Optional = true, ReloadOnChange = false };
        source.ResolveFileProvider();
        configuration.Sources.Insert(0, source);
        return configuration;
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

    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).WithTags("Health").AllowAnonymous();
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") }).WithTags("Health").AllowAnonymous();
        return app;
    }
}

/// <summary>Every stored resource records its tenant.</summary>
public interface ITenantOwned
{
    string TenantId { get; }
}

public static class TenantQueryExtensions
{
    /// <summary>Only the current tenant's rows.</summary>
    public static IQueryable<T> OwnedBy<T>(this IQueryable<T> query, ICurrentTenant tenant) where T : class, ITenantOwned =>
        query.Where(e => e.TenantId == tenant.Id);
}
