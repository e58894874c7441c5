using Backprop.Api.Security;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Data;

/// <summary>EF Core on one SQLite file (WAL), migrated at start; the tenant seam.</summary>
public static class PersistenceServiceCollectionExtensions
{
    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration,
        IHostEnvironment environment)
    {
        var connectionString = ResolveConnectionString(
            configuration.GetConnectionString("Backprop") ?? throw new InvalidOperationException(
                "ConnectionStrings:Backprop is not set."),
            environment.ContentRootPath);
        var faults = configuration.GetSection(TestFaultOptions.Section).Get<TestFaultOptions>() ?? new();
        if (faults.Enabled) services.AddSingleton(faults).AddSingleton<TestFaultInterceptor>();
        // Pooled: a request that needs the database rents a ready context instead of building one.
        services.AddDbContextPool<BackpropDbContext>((sp, o) =>
        {
            o.UseSqlite(connectionString);
            if (faults.Enabled) o.AddInterceptors(sp.GetRequiredService<TestFaultInterceptor>());
        });
        services.AddScoped<TenantContext>();
        services.AddScoped<ICurrentTenant>(sp => sp.GetRequiredService<TenantContext>());
        services.AddHealthChecks().AddDbContextCheck<BackpropDbContext>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>Relative file names are taken from the content root, and the folder is created, so a fresh clone runs
    /// with no setup.</summary>
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
    /// Applies pending migrations. Nothing is written when none is pending, so the service starts and serves reads on a
    /// full disk. EF (9+) serialises migrations on SQLite with a row in __EFMigrationsLock, which a start killed
    /// mid-migration leaves behind (the next start would wait for it forever). Each migrating process first holds an OS
    /// lock on a file beside the database, which the OS releases when the process dies: once this process holds it, no
    /// other process is migrating, so a lock row is provably stale and is removed; while another process holds it, this
    /// one waits.
    /// </summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BackpropDbContext>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>()
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
