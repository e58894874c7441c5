using System.Net;
using Backprop.Api.Data;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Security;

/// <summary>
/// Once the server listens: when every address it bound is loopback, make sure a development tenant key exists and is
/// written to dev-api-key.txt beside the database (created once, reused while the file holds a live key), so the
/// README's
/// run command leads straight into a working walkthrough. When any address is not loopback, development keys are
/// revoked
/// and the file removed: a service reachable from other machines accepts only keys an admin created. On PostgreSQL
/// there are no
/// development keys at all: a shared database means replicas, and one replica's addresses say nothing about another's
/// (a
/// loopback replica would mint a key that a public one had just revoked, and back), so keys come from the admin API
/// only.
/// </summary>
internal sealed class DevelopmentKey(IServer server, IServiceScopeFactory scopes, IOptions<AuthOptions> options,
    TimeProvider clock, ApiKeyCache cache,
    DatabaseInfo database, ILogger<DevelopmentKey> logger)
    : IHostedLifecycleService
{
    public const string FileName = "dev-api-key.txt";
    public const string TenantId = "dev";

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        if (addresses.Count == 0) return; // an in-process test server: no network, nothing to decide
        if (database.IsPostgres)
        {
            logger.LogInformation("No development API key on a shared PostgreSQL database; "
                + "create tenant keys with the admin key (POST /api/admin/keys).");
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BackpropDbContext>();
        var file = KeyFile(db);
        bool loopbackOnly = addresses.All(IsLoopback);
        if (!loopbackOnly || !options.Value.DevelopmentKey)
        {
            var live = db.Set<ApiKeyEntity>().Where(k => k.IsDevelopment && k.RevokedAt == null);
            // Written only when there is something to revoke, so a start on a full disk still serves reads.
            int revoked = !await live.AnyAsync(cancellationToken) ? 0 : await live
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, clock.GetUtcNow().UtcDateTime),
                    cancellationToken);
            cache.Clear();
            if (file is not null && File.Exists(file)) File.Delete(file);
            if (revoked > 0) logger.LogWarning("Revoked {Count} development API key(s): this service is not limited " +
                "to loopback development.", revoked);
            return;
        }
        if (file is null) return;

        if (File.Exists(file) && (await File.ReadAllTextAsync(file, cancellationToken)).Trim() is { } existing
            && ApiKeys.IsWellFormed(existing))
        {
            var prefix = ApiKeys.PrefixOf(existing);
            var live = await db.Set<ApiKeyEntity>().AsNoTracking().Where(k => k.Prefix == prefix && k.IsDevelopment
                && k.RevokedAt == null).ToListAsync(cancellationToken);
            if (live.Any(k => ApiKeys.Matches(existing, k.Hash)))
            {
                logger.LogInformation("Development API key (tenant '{Tenant}', loopback only) is in {File}", TenantId,
                    file);
                return;
            }
        }
        var key = ApiKeys.Generate();
        try
        {
            db.Add(ApiKeys.CreateEntity(key, TenantId, "development", clock.GetUtcNow().UtcDateTime,
                development: true));
            await db.SaveChangesAsync(cancellationToken);
            await WritePrivateAsync(file, key, cancellationToken);
        }
        catch (Exception e) when (StorageErrors.IsTransient(e) || StorageErrors.IsOutOfSpace(e))
        {
            // A full disk must not stop the service from serving reads; the key is created at the next start.
            logger.LogError("Could not create a development API key ({Error}); the service runs without one.",
                e.Message);
            return;
        }
        // The key itself stays out of the log (logs are collected and kept); its prefix identifies it, the file holds
        // it.
        logger.LogWarning("Created a development API key for tenant '{Tenant}' (valid while the service listens " +
            "only on loopback), prefix {Prefix}, in {File}", TenantId, ApiKeys.PrefixOf(key), file);
    }

    /// <summary>dev-api-key.txt in the database's folder; null for an in-memory database.</summary>
    private static string? KeyFile(BackpropDbContext db)
    {
        var source = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        if (string.IsNullOrEmpty(source) || source == ":memory:") return null;
        return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(source))!, FileName);
    }

    internal static bool IsLoopback(string address)
    {
        var host = BindingAddress.Parse(address) is { IsUnixPipe: false } binding ? binding.Host.Trim('[', ']') : null;
        return host is not null && (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip)));
    }

    private static async Task WritePrivateAsync(string file, string key, CancellationToken ct)
    {
        File.Delete(file); // a new file gets the mode below; an old one would keep its own
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        // 0600: the key is a secret
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using var stream = new FileStream(file, options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteLineAsync(key.AsMemory(), ct);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
