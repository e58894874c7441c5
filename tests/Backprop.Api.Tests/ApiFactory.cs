using System.Net.Http.Headers;
using Backprop.Api.Data;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Backprop.Api.Tests;

/// <summary>
/// The real app on its own temporary SQLite file, or its own PostgreSQL database when <see
/// cref="TestDatabase.PostgresServer"/> is
/// set; each test builds its own (no shared rows between tests). Its clients
/// carry <see cref="DefaultKey"/>, a key of tenant <see cref="DefaultTenant"/> seeded at start, unless made otherwise.
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    /// <summary>The tenant of the default key every client sends; a test that opens its own service scope sets it on
    /// that scope.</summary>
    public const string DefaultTenant = "default"; // a tenant name like any other; nothing falls back to it
    public const string DefaultKey = "bp_testDefaultTenantKey0000000000000000000000";
    public const string AdminKey = "bp_testAdminKey_0123456789abcdefghijklmnopqrstu";

    private readonly Dictionary<string, string?> _settings = new();
    private readonly List<Action<IServiceCollection>> _services = [];

    /// <param name="databasePath">An existing database to start on (a restart, or a second replica); a new one when
    /// null.</param>
    /// <param name="sqlite">Always SQLite: for behaviour that only the embedded database has (its file, its migration
    /// lock).</param>
    public ApiFactory(string? databasePath = null, bool sqlite = false)
    {
        IsPostgres = !sqlite && TestDatabase.PostgresServer is not null;
        if (IsPostgres)
        {
            DatabasePath = databasePath ?? TestDatabase.CreatePostgres();
            _settings["Database:Provider"] = "postgres";
            _settings["ConnectionStrings:Backprop"] = TestDatabase.PostgresConnectionString(DatabasePath);
        }
        else
        {
            DatabasePath = databasePath ?? Path.Combine(Path.GetTempPath(), $"backprop-test-{Guid.NewGuid():N}.db");
            _settings["ConnectionStrings:Backprop"] = $"Data Source={DatabasePath}";
        }
        _settings["Auth:AdminKey"] = AdminKey;
    }

    /// <summary>The SQLite file or the PostgreSQL database name this app uses (reuse it in a second factory to simulate
    /// a restart).</summary>
    public string DatabasePath { get; }

    public bool IsPostgres { get; }

    /// <summary>Leave the database in place on dispose, so a second factory on <see cref="DatabasePath"/> can find it
    /// (a restart).</summary>
    public bool KeepDatabase { get; set; }

    /// <summary>Overrides a configuration value (e.g. a limit) before the app starts.</summary>
    public ApiFactory With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>Replaces or adds services after the app's own (e.g. a clock the test moves), before the app
    /// starts.</summary>
    public ApiFactory WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureServices(s => s.AddHostedService<DefaultKeySeed>());
        builder.ConfigureTestServices(s => { foreach (var configure in _services) configure(s); });
    }

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DefaultKey);
    }

    /// <summary>A client that sends no key.</summary>
    public HttpClient CreateAnonymousClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = null;
        return client;
    }

    /// <summary>A client that sends <paramref name="key"/> as a bearer token.</summary>
    public HttpClient CreateClientWithKey(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public HttpClient CreateAdminClient() => CreateClientWithKey(AdminKey);

    /// <summary>A new key for <paramref name="tenant"/>, created through the admin API.</summary>
    public async Task<string> CreateTenantKeyAsync(string tenant)
    {
        var response = await CreateAdminClient().PostAsync("/api/admin/keys",
            new StringContent($$"""{"tenant": "{{tenant}}", "name": "test"}""", System.Text.Encoding.UTF8,
                "application/json"));
        var created = await response.ExpectAsync(System.Net.HttpStatusCode.Created);
        return (string)created["key"]!;
    }

    public async Task<HttpClient> CreateTenantClientAsync(string tenant) =>
        CreateClientWithKey(await CreateTenantKeyAsync(tenant));

    /// <summary>Stores <see cref="DefaultKey"/> for <see cref="DefaultTenant"/> (once per database, so restarts keep
    /// it).</summary>
    private sealed class DefaultKeySeed(IServiceScopeFactory scopes) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BackpropDbContext>();
            var prefix = ApiKeys.PrefixOf(DefaultKey);
            if (await db.Set<ApiKeyEntity>().AnyAsync(k => k.Prefix == prefix, cancellationToken)) return;
            db.Add(ApiKeys.CreateEntity(DefaultKey, DefaultTenant, "tests", DateTime.UtcNow));
            await db.SaveChangesAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing || KeepDatabase) return;
        if (IsPostgres)
        {
            TestDatabase.DropPostgres(DatabasePath);
            return;
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            try { File.Delete(DatabasePath + suffix); } catch (IOException) { }
    }
}
