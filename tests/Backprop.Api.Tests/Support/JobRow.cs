using Microsoft.Data.Sqlite;

namespace Backprop.Api.Tests.Support;

/// <summary>A job's row as the service left it in its SQLite file (read while the service is stopped): status, lease,
/// progress, checkpoint and history.</summary>
public sealed record JobRow(string Status, string? LeaseOwner, int Epoch, int? CheckpointEpoch, int HistoryRows,
    int MinHistoryEpoch, int MaxHistoryEpoch, int Attempt, int? RefitFromEpoch = null)
{
    /// <summary>The first job created.</summary>
    public static JobRow Read(string databasePath)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        var command = connection.CreateCommand();
        command.CommandText = """
            SELECT j."Status", j."LeaseOwner", j."Epoch", c."Epoch",
                   (SELECT COUNT(*) FROM "EpochHistory" h WHERE h."JobId" = j."Id"),
                   (SELECT COALESCE(MIN(h."Epoch"), 0) FROM "EpochHistory" h WHERE h."JobId" = j."Id"),
                   (SELECT COALESCE(MAX(h."Epoch"), 0) FROM "EpochHistory" h WHERE h."JobId" = j."Id"),
                   j."Attempt", j."RefitFromEpoch"
            FROM "TrainingJobs" j LEFT JOIN "JobCheckpoints" c ON c."JobId" = j."Id" ORDER BY j."CreatedAt" LIMIT 1
            """;
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        return new JobRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt32(2),
            reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6),
                reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetInt32(8));
    }

    /// <summary>Progress, checkpoint and history agree: epochs 1..Epoch, each once, and the checkpoint at
    /// Epoch.</summary>
    public void AssertConsistent()
    {
        Assert.True(CheckpointEpoch == Epoch && HistoryRows == Epoch && MaxHistoryEpoch == Epoch
            && (Epoch == 0 || MinHistoryEpoch == 1), ToString());
    }
}
