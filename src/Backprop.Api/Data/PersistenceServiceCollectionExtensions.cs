using Backprop.Api.Security;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Data;

/// <summary>EF Core on one SQLite file (WAL) or on a PostgreSQL server shared by replicas, migrated at start; the
/// tenant seam.</summary>
public static class PersistenceServiceCollectionExtensions
{
    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration,
        IHostEnvironment environment)
    {
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new();
        var provider = database.Provider;
        var configured = configuration.GetConnectionString("Backprop")
            ?? throw new InvalidOperationException("ConnectionStrings:Backprop is not set.");
        var connectionString = provider == DatabaseProvider.Postgres ? configured : ResolveSqlitePath(configured,
            environment.ContentRootPath);
        services.AddSingleton(new DatabaseInfo(provider, connectionString));
        services.AddSingleton<SqliteWriteGate>();
        var faults = configuration.GetSection(TestFaultOptions.Section).Get<TestFaultOptions>() ?? new();
        if (faults.Enabled) services.AddSingleton(faults).AddSingleton<TestFaultInterceptor>();
        // Pooled: a request that needs the database rents a ready context instead of building one.
        if (provider == DatabaseProvider.Postgres)
            services.AddDbContextPool<BackpropDbContext, PostgresBackpropDbContext>((sp, o) =>
            {
                o.UseNpgsql(connectionString);
                if (faults.Enabled) o.AddInterceptors(sp.GetRequiredService<TestFaultInterceptor>());
            });
        else
        {
            var setup = new SqliteConnectionSetup(database.SqliteSynchronous);
            services.AddDbContextPool<BackpropDbContext>((sp, o) =>
            {
                o.UseSqlite(connectionString).AddInterceptors(setup);
                if (faults.Enabled) o.AddInterceptors(sp.GetRequiredService<TestFaultInterceptor>());
            });
        }
        services.AddSingleton<ClusterEvents>();
        services.AddHostedService<PostgresEventListener>();
        services.AddScoped<TenantContext>();
        services.AddScoped<ICurrentTenant>(sp => sp.GetRequiredService<TenantContext>());
        services.AddHealthChecks().AddDbContextCheck<BackpropDbContext>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>Relative file names are taken from the content root, and the folder is created, so a fresh clone runs
    /// with no setup.</summary>
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
        else await MigrateSqliteAsync(db, app);
    }

    /// <summary>
    /// Replicas starting together migrate one at a time under a session advisory lock; the others wait and then find
    /// nothing
    /// left to apply. The server releases the lock when the session ends, so a replica killed mid-migration leaves none
    /// behind.
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
    /// Applies pending migrations. Nothing is written when none is pending, so the service starts and serves reads on a
    /// full disk. EF (9+) serialises migrations on SQLite with a row in __EFMigrationsLock, which a start killed
    /// mid-migration leaves behind (the next start would wait for it forever). Each migrating process first holds an OS
    /// lock on a file beside the database, which the OS releases when the process dies: once this process holds it, no
    /// other process is migrating, so a lock row is provably stale and is removed; while another process holds it, this
    /// one waits.
    /// </summary>
    private static async Task MigrateSqliteAsync(BackpropDbContext db, WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>()
            .CreateLogger(typeof(PersistenceServiceCollectionExtensions));
        if (!(await db.Database.GetPendingMigrationsAsync()).Any())
        {
            await EnsureWalAsync(db, logger);
            return;
        }
        var file = DatabaseFile(db);
        await using var migrating = file is null ? null : await MigrationFileLock.AcquireAsync(file + ".migrating",
            logger, app.Lifetime.ApplicationStopping);
        await db.Database.OpenConnectionAsync();
        try
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            var hasLockTable = await db.Database
                .SqlQueryRaw<long>("SELECT COUNT(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = " +
                    "'__EFMigrationsLock'")
                .SingleAsync() > 0;
            if (hasLockTable && await db.Database.ExecuteSqlRawAsync("DELETE FROM \"__EFMigrationsLock\";") > 0)
                logger.LogWarning("Removed the migration lock of a start that no longer runs.");
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        await db.Database.MigrateAsync();
    }

    /// <summary>WAL lets readers go on while a job writes; the mode is stored in the file, so this only writes if it
    /// was never set.</summary>
    private static async Task EnsureWalAsync(BackpropDbContext db, ILogger logger)
    {
        if (DatabaseFile(db) is null) return;
        await db.Database.OpenConnectionAsync();
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "PRAGMA journal_mode;";
            if (!string.Equals(await command.ExecuteScalarAsync() as string, "wal", StringComparison.OrdinalIgnoreCase))
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
        catch (Exception e) when (StorageErrors.IsTransient(e))
        {
            logger.LogWarning("Could not switch the database to WAL ({Error}); starting anyway.", e.Message);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static string? DatabaseFile(BackpropDbContext db)
    {
        var builder = new SqliteConnectionStringBuilder(db.Database.GetConnectionString());
        return builder.DataSource is { Length: > 0 } file && file != ":memory:"
            && builder.Mode != SqliteOpenMode.Memory ? file : null;
    }
}

/// <summary>An exclusive OS lock on a file (released by the OS when its process dies): held by the one process
/// migrating.</summary>
internal sealed class MigrationFileLock : IAsyncDisposable
{
    private readonly FileStream _stream;
    private MigrationFileLock(FileStream stream) => _stream = stream;

    public static async Task<MigrationFileLock> AcquireAsync(string path, ILogger logger, CancellationToken ct)
    {
        bool told = false;
        while (true)
        {
            try
            {
                return new MigrationFileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite,
                    FileShare.None));
            }
            catch (IOException) when (File.Exists(path))
            {
                if (!told) logger.LogWarning(
                    "Waiting for another process's migration of this database ({Path} is locked).", path);
                told = true;
                await Task.Delay(100, ct);
            }
        }
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}

/// <summary>PostgreSQL advisory lock keys (one 64-bit space per database); tenant locks hash the tenant id into the
/// other half.</summary>
internal static class AdvisoryLocks
{
    public const long Migration = 0x4270_0001;
    /// <summary>First half of the (int, int) key of a tenant's quota lock; the second is hashtext(tenant id).</summary>
    public const int TenantQuota = 0x4270;
}
