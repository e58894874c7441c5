using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Backprop.Api.Tests;

/// <summary>The real app on its own temporary SQLite file; each test builds its own (no shared rows between tests).</summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new();

    public ApiFactory(string? databasePath = null)
    {
        DatabasePath = databasePath ?? Path.Combine(Path.GetTempPath(), $"backprop-test-{Guid.NewGuid():N}.db");
        _settings["ConnectionStrings:Backprop"] = $"Data Source={DatabasePath}";
    }

    /// <summary>The SQLite file this app uses (reuse it in a second factory to simulate a restart).</summary>
    public string DatabasePath { get; }

    /// <summary>Leave the SQLite file in place on dispose, so a second factory on <see cref="DatabasePath"/> can find it (a restart).</summary>
    public bool KeepDatabase { get; set; }

    /// <summary>Overrides a configuration value (e.g. a limit) before the app starts.</summary>
    public ApiFactory With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing || KeepDatabase) return;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            try { File.Delete(DatabasePath + suffix); } catch (IOException) { }
    }
}
