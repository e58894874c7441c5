using Backprop.Api.Security;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Data;

/// <summary>EF Core on one SQLite file (WAL) or on a PostgreSQL server shared by replicas, migrated at start; the tenant seam.</summary>
public static class PersistenceExtensions
{
    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var provider = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
        var configured = configuration.GetConnectionString("Backprop") ?? throw new InvalidOperationException("ConnectionStrings:Backprop is not set.");
        var connectionString = provider == DatabaseProvider.Postgres ? configured : ResolveSqlitePath(configured, environment.ContentRootPath);
        services.AddSingleton(new DatabaseInfo(provider, connectionString));
        // Pooled: a request that needs the database rents a ready context instead of building one.
        if (provider == DatabaseProvider.Postgres)
            services.AddDbContextPool<BackpropDbContext, PostgresBackpropDbContext>(o => o.UseNpgsql(connectionString));
        else
            services.AddDbContextPool<BackpropDbContext>(o => o.UseSqlite(connectionString));
        services.AddSingleton<ClusterEvents>();
        services.AddHostedService<PostgresEventListener>();
        services.AddScoped<TenantContext>();
        services.AddScoped<ICurrentTenant>(sp => sp.GetRequiredService<TenantContext>());
        services.AddHealthChecks().AddDbContextCheck<BackpropDbContext>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>Relative file names are taken from the content root, and the folder is created, so a fresh clone runs with no setup.</summary>
    private static string ResolveSqlitePath(string connectionString, string contentRoot)
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

    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BackpropDbContext>();
        if (app.Services.GetRequiredService<DatabaseInfo>().IsPostgres) await MigratePostgresAsync(db);
        else await MigrateSqliteAsync(db);
    }

    /// <summary>
    /// Replicas starting together migrate one at a time under a session advisory lock; the others wait and then find nothing
    /// left to apply. The server releases the lock when the session ends, so a replica killed mid-migration leaves none behind.
    /// </summary>
    private static async Task MigratePostgresAsync(BackpropDbContext db)
    {
        await db.Database.OpenConnectionAsync();
        try
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({AdvisoryLocks.Migration})");
            try { await db.Database.MigrateAsync(); }
            finally { await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({AdvisoryLocks.Migration})"); }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// EF (9+) serialises migrations on SQLite with a row in __EFMigrationsLock; a start killed mid-migration leaves that row
    /// behind and the next start would wait for it forever. One process owns the file (SQLite), so a lock row seen before this
    /// process migrates is stale and is removed.
    /// </summary>
    private static async Task MigrateSqliteAsync(BackpropDbContext db)
    {
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

/// <summary>PostgreSQL advisory lock keys (one 64-bit space per database); tenant locks hash the tenant id into the other half.</summary>
internal static class AdvisoryLocks
{
    public const long Migration = 0x4270_0001;
    /// <summary>First half of the (int, int) key of a tenant's quota lock; the second is hashtext(tenant id).</summary>
    public const int TenantQuota = 0x4270;
}
