using Backprop.Api.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Backprop.Api.Tests.Support;

/// <summary>
/// Which database the tests run on: SQLite files by default; PostgreSQL when BACKPROP_TEST_POSTGRES holds a connection
/// string to a
/// server (without a database; .ci/postgres.sh starts one). On PostgreSQL every test gets a database of its own, copied
/// from a
/// template migrated once per run, and dropped when the test ends.
/// </summary>
public static class TestDatabase
{
    public const string ServerVariable = "BACKPROP_TEST_POSTGRES";

    /// <summary>The server's connection string, or null to run on SQLite.</summary>
    public static string? PostgresServer { get; } =
        Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } s ? s : null;

    private static readonly Lazy<string> Template = new(CreateTemplate, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A connection string to <paramref name="database"/> on the test server.</summary>
    public static string PostgresConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(PostgresServer) { Database = database }.ConnectionString;

    /// <summary>A new, migrated, empty database; returns its name.</summary>
    public static string CreatePostgres()
    {
        var name = $"bp_test_{Guid.NewGuid():N}";
        Execute($"CREATE DATABASE \"{name}\" TEMPLATE \"{Template.Value}\"");
        return name;
    }

    public static void DropPostgres(string name)
    {
        NpgsqlConnection.ClearAllPools();
        Execute($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    private static string CreateTemplate()
    {
        var name = $"bp_template_{Guid.NewGuid():N}";
        Execute($"CREATE DATABASE \"{name}\"");
        var unpooled = new NpgsqlConnectionStringBuilder(PostgresConnectionString(name)) { Pooling = false };
        var options = new DbContextOptionsBuilder<PostgresBackpropDbContext>()
            .UseNpgsql(unpooled.ConnectionString).Options;
        using (var db = new PostgresBackpropDbContext(options)) db.Database.Migrate();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Execute($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"); } catch (NpgsqlException) { }
        };
        return name;
    }

    private static void Execute(string sql)
    {
        var server = new NpgsqlConnectionStringBuilder(PostgresServer) { Database = "postgres", Pooling = false };
        using var connection = new NpgsqlConnection(server.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Leaves a SQLite file as a process killed mid-migration does: EF Core's migration lock row held (from
    /// long ago), then <paramref name="thenSql"/>.</summary>
    public static async Task PlantStaleMigrationLockAsync(string databasePath, string thenSql = "")
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS "__EFMigrationsLock"
                ("Id" INTEGER NOT NULL PRIMARY KEY, "Timestamp" TEXT NOT NULL);
            INSERT OR REPLACE INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, '2020-01-01 00:00:00');
            """ + thenSql;
        await command.ExecuteNonQueryAsync();
    }
}
