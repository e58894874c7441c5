using System.Text.Json;
using Backprop.Api.Data;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Backprop.Api.Datasets;

/// <summary>POST /api/datasets: read (CSV, multipart CSV or JSON), settle the task, profile, encode, store; nothing is
/// stored on failure.</summary>
internal static class DatasetUpload
{
    /// <summary>What any upload format yields before the common checks.</summary>
    internal sealed record ParsedUpload(string? Name, string? Task, string? FileName, DatasetTable Table,
        ColumnSettings Columns);

    public static async Task<Results<Created<DatasetResponse>, ValidationProblem, ProblemHttpResult>> HandleAsync(
        HttpContext http, BackpropDbContext db, ICurrentTenant tenant, IOptions<DatasetOptions> options, TimeProvider
            clock, TenantQuotas quotas, CancellationToken ct)
    {
        var limits = options.Value;
        var (key, keyProblem) = IdempotencyKeys.Read(http.Request);
        if (keyProblem is not null) return keyProblem;
        if (http.Request.ContentLength > limits.MaxUploadBytes) return TooLarge(limits.MaxUploadBytes);
        // Kestrel's server-wide body limit must not cut the upload short of ours.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize
            = limits.MaxUploadBytes + 1;
        var body = new LimitedReadStream(http.Request.Body, limits.MaxUploadBytes);
        try
        {
            var upload = MediaType(http.Request) switch
            {
                "text/csv" => await ReadCsvAsync(http.Request, body, limits, ct),
                "application/json" => await ReadJsonAsync(body, limits, ct),
                "multipart/form-data" => await MultipartDatasetReader.ReadAsync(http.Request, body, limits, ct),
                _ => null,
            };
            if (upload is null) return Unsupported(http.Request.ContentType);
            var (name, task) = CheckSettings(upload);
            var content = DatasetAssembler.Assemble(ColumnTyping.Settle(upload.Table, upload.Columns, limits), task);
            RefuseNul(name, content);
            var now = clock.GetUtcNow().UtcDateTime;
            var entity = await ToEntityAsync(content, name, tenant.Id, now);
            // A retry of an upload that was stored (its response lost) answers the stored dataset; the fingerprint is
            // of the
            // stored content, so a multipart retry with another boundary is still the same upload.
            var once = key is null ? null : new IdempotentCreation(db, tenant.Id, "datasets", key,
                IdempotencyKeys.Fingerprint(name, entity.Content!.Data));
            if (once is not null)
            {
                if (await ReplayAsync(once, http, db, tenant, ct) is { } earlier) return earlier;
                once.Record(entity.Id, now);
            }
            db.Add(entity);
            try
            {
                if (await quotas.CreateWithinAsync(q => TenantQuotas.CheckDatasetBytesAsync(db, tenant,
                    entity.SizeBytes, q, ct), () => db.SaveChangesAsync(ct), ct) is { } exceeded)
                    return exceeded;
            }
            catch (DbUpdateException) when (once is not null)
            {
                db.ChangeTracker.Clear(); // a request with the same key stored its dataset first: answer that one
                if (await ReplayAsync(once, http, db, tenant, ct) is { } earlier) return earlier;
                throw;
            }
            return TypedResults.Created($"/api/datasets/{entity.Id}", entity.ToResponse());
        }
        catch (InvalidDatasetException e)
        {
            return TypedResults.ValidationProblem(e.Errors, e.Message, title: "The dataset was refused");
        }
        catch (DatasetTooLargeException e)
        {
            return TooLarge(e.Limit);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limits.MaxUploadBytes);
        }
    }

    /// <summary>The dataset an earlier upload with the key stored (201, marked replayed), a 422 for a key reused on
    /// other content, or null.</summary>
    private static async Task<Results<Created<DatasetResponse>, ValidationProblem, ProblemHttpResult>?> ReplayAsync(
        IdempotentCreation once, HttpContext http, BackpropDbContext db, ICurrentTenant tenant, CancellationToken ct)
    {
        var (earlier, problem) = await once.EarlierAsync(id => db.Set<DatasetEntity>().AsNoTracking().OwnedBy(tenant)
            .SingleOrDefaultAsync(d => d.Id == id, ct), ct);
        if (problem is not null) return problem;
        if (earlier is null) return null;
        IdempotentCreation.MarkReplayed(http.Response);
        return TypedResults.Created($"/api/datasets/{earlier.Id}", earlier.ToResponse());
    }

    private static string? MediaType(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)) return null;
        var media = type.MediaType.Value?.ToLowerInvariant();
        return media is not null && media.StartsWith("application/", StringComparison.Ordinal) &&
            media.EndsWith("+json", StringComparison.Ordinal)
            ? "application/json" : media;
    }

    private static async Task<ParsedUpload> ReadCsvAsync(HttpRequest request, Stream body, DatasetOptions limits,
        CancellationToken ct)
    {
        var q = request.Query;
        var table = await CsvDatasetReader.ReadAsync(body, q["targetColumn"], limits, ct);
        var weights = q["sampleWeightColumn"].ToString();
        return new ParsedUpload(q["name"], q["task"], null, table,
            new ColumnSettings(ColumnSettings.ParseTypes(q["columnTypes"]), string.IsNullOrWhiteSpace(weights) ? null :
                weights));
    }

    private static async Task<ParsedUpload> ReadJsonAsync(Stream body, DatasetOptions limits, CancellationToken ct)
    {
        var (header, table) = await JsonDatasetReader.ReadAsync(body, limits, ct);
        return new ParsedUpload(header.Name, header.Task, null, table, new ColumnSettings(header.ColumnTypes,
            header.SampleWeightColumn));
    }

    private static (string Name, TaskKind? Task) CheckSettings(ParsedUpload upload)
    {
        var name = (string.IsNullOrWhiteSpace(upload.Name) ? Path.GetFileNameWithoutExtension(upload.FileName) :
            upload.Name)?.Trim();
        if (string.IsNullOrEmpty(name))
            throw new InvalidDatasetException("name",
                "Give the dataset a name (query parameter or form field 'name', or 'name' in a JSON body).");
        if (name.Length > DatasetLimits.MaxNameLength)
            throw new InvalidDatasetException("name",
                $"The name is longer than {DatasetLimits.MaxNameLength} characters.");
        TaskKind? task = upload.Task?.Trim().ToLowerInvariant() switch
        {
            null or "" => null,
            "classification" => TaskKind.Classification,
            "regression" => TaskKind.Regression,
            var other => throw new InvalidDatasetException("task",
                $"task must be 'classification' or 'regression' (or absent, to infer it), got '{other}'."),
        };
        return (name, task);
    }

    /// <summary>Names are stored as text, and PostgreSQL's text cannot hold U+0000 (SQLite's can): refused the same on
    /// both.</summary>
    private static void RefuseNul(string name, DatasetColumns content)
    {
        if (name.Contains('\0')) throw new InvalidDatasetException("name",
            "The name contains a NUL character (U+0000).");
        foreach (var (kind, names) in new[] { ("column name", content.FeatureNames.Append(content.TargetColumn)),
            ("class label", content.ClassNames ?? []) })
            if (names.FirstOrDefault(n => n.Contains('\0')) is { } bad)
                throw new InvalidDatasetException("file",
                    $"The {kind} '{bad.Replace("\0", "\\0")}' contains a NUL character (U+0000); remove it.");
    }

    private static async Task<DatasetEntity> ToEntityAsync(DatasetColumns content, string name, string tenantId,
        DateTime now)
    {
        // Both only read the columns: the copy into the stored bytes runs beside the statistics.
        var encoding = Task.Run(() => DatasetContentCodec.Encode(content), CancellationToken.None);
        var profile = DatasetProfiler.Profile(content);
        var data = await encoding;
        var id = Guid.CreateVersion7();
        return new DatasetEntity
        {
            Id = id, TenantId = tenantId, Name = name, Task = profile.Task, TargetColumn = content.TargetColumn,
            FeatureNames = [.. content.FeatureNames], ClassNames = content.ClassNames?.ToList(),
            RowCount = content.Rows, FeatureCount = content.Width, ClassCount = content.ClassCount, SizeBytes =
                data.Length,
            ProfileJson = JsonSerializer.Serialize(profile, DatasetMapping.ProfileJson), CreatedAt = now,
            Content = new DatasetContentEntity { DatasetId = id, Data = data },
        };
    }

    private static ProblemHttpResult TooLarge(long limit) => TypedResults.Problem(statusCode:
        StatusCodes.Status413PayloadTooLarge,
        title: "Upload too large", detail: new DatasetTooLargeException(limit).Message);

    private static ProblemHttpResult Unsupported(string? contentType) => TypedResults.Problem(statusCode:
        StatusCodes.Status415UnsupportedMediaType,
        title: "Unsupported media type",
        detail: $"Content-Type '{contentType ?? "(none)"}' is not accepted. Upload a CSV file as multipart/form-data "
            + "(field 'file'), "
            + "a CSV body as text/csv, or a JSON body as application/json.");
}
