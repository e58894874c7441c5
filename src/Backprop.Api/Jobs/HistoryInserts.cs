using System.Data.Common;
using Backprop.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Backprop.Api.Jobs;

/// <summary>
/// Inserts history rows on the context's connection and transaction with one statement per row, prepared once, or all
/// rows in one round trip where the provider batches (PostgreSQL). EF Core's SQLite provider sends each added row
/// through its whole command pipeline, which cost a 100-epoch iris job's final write ~30 ms under load; one multi-row
/// INSERT is no better on SQLite, which binds named parameters by a linear search (quadratic in the rows). Table,
/// columns and each value's conversion and parameter type come from the EF model, so a row is stored exactly as
/// <c>SaveChanges</c> stores it.
/// </summary>
internal static class HistoryInserts
{
    public static async Task InsertAsync(BackpropDbContext db, IReadOnlyList<EpochEntity> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        // The test-fault seam sees this write as EF commands would show it (it holds or fails history writes).
        if (TestFaultInterceptor.Of(db) is { } faults) await faults.HistoryWriteAsync();
        var entity = db.Model.FindEntityType(typeof(EpochEntity))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        var properties = entity.GetProperties().ToArray();
        var mappings = properties.Select(p => (RelationalTypeMapping)p.GetTypeMapping()).ToArray();
        var names = properties.Select((_, i) => $"h{i}").ToArray();
        string insert = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ("
            + string.Join(", ", properties.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!))) + ") VALUES ("
            + string.Join(", ", names.Select(sql.GenerateParameterNamePlaceholder)) + ")";
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = insert;
        DbParameter[] Parameters(EpochEntity row) => [.. properties.Select((p, i) => mappings[i].CreateParameter(
            command, names[i], p.GetGetter().GetClrValueUsingContainingEntity(row), p.IsNullable))];
        if (connection.CanCreateBatch)
        {
            await using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            foreach (var row in rows)
            {
                var statement = batch.CreateBatchCommand();
                statement.CommandText = insert;
                statement.Parameters.AddRange(Parameters(row));
                batch.BatchCommands.Add(statement);
            }
            await batch.ExecuteNonQueryAsync(ct);
            return;
        }
        // One set of parameters, named with their prefix (an unprefixed name is looked up under each prefix at every
        // bind); each later row only sets the values, converted as CreateParameter converts them.
        var parameters = Parameters(rows[0]);
        foreach (var parameter in parameters) parameter.ParameterName = "@" + parameter.ParameterName;
        command.Parameters.AddRange(parameters);
        var getters = properties.Select(p => p.GetGetter()).ToArray();
        for (int r = 0; r < rows.Count; r++)
        {
            if (r > 0)
                for (int i = 0; i < parameters.Length; i++)
                    parameters[i].Value = getters[i].GetClrValueUsingContainingEntity(rows[r]) is { } value
                        ? mappings[i].Converter?.ConvertToProvider(value) ?? value
                        : DBNull.Value;
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
