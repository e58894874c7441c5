using Backprop.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Api.Tests.Data;

/// <summary>Every SQLite connection the service opens waits for locks inside SQLite and syncs as configured.</summary>
public sealed class SqliteConnectionSetupTests
{
    [Theory]
    [InlineData(null, 2L)]     // FULL
    [InlineData("normal", 1L)] // NORMAL
    [InlineData("full", 2L)]
    public async Task Connection_Opened_HasBusyTimeoutAndConfiguredSynchronous(string? synchronous, long expected)
    {
        using var factory = new ApiFactory(sqlite: true);
        if (synchronous is not null) factory.With("Database:SqliteSynchronous", synchronous);
        factory.CreateClient();
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BackpropDbContext>();

        await db.Database.OpenConnectionAsync();
        try
        {
            Assert.Equal(30_000L, await PragmaAsync(db, "busy_timeout"));
            Assert.Equal(expected, await PragmaAsync(db, "synchronous"));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<long> PragmaAsync(BackpropDbContext db, string name)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
