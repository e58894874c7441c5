using Backprop.Api.Data;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Datasets;

/// <summary>/api/datasets: upload, list, profile, preview rows, delete.</summary>
public static class DatasetsApi
{
    private const string UploadDescription =
        "Upload a CSV (header row, then one row per sample) as multipart/form-data (field 'file'; " +
        "form fields or query parameters "
        + "name, targetColumn, task) or as a text/csv body (query parameters name, targetColumn, task), or JSON: "
        + "{ name, task?, featureNames?, classNames?, targetColumn?, features: [[...]], targets: [...] } or "
        + "{ name, task?, classNames?, targetColumn, records: [{column: value, ...}] }. "
        + "Numbers are read culture-invariantly ('.' decimal point). "
        + "Task when not given: a non-numeric target means classification; a numeric target with at most 20 "
        + "distinct integer values means "
        + "classification; otherwise regression. Class labels are the target's text, ordered numerically when all "
        + "are integers and ordinally "
        + "otherwise (or as in classNames). Feature columns are numeric, categorical (any non-numeric text; "
        + "integers when declared) or boolean "
        + "(true/false), inferred or declared with columnTypes ({\"zip\": "
        + "\"categorical\"} or zip:categorical,age:numeric; query, form field "
        + "or JSON property); empty cells (null in JSON) are missing and filled at training (docs/tabular-data.md). "
        + "sampleWeightColumn names a "
        + "column of per-row loss weights (numbers ≥ 0). Refused with 400 naming the row or column: ragged rows, "
        + "bad quoting, NaN or "
        + "Infinity, a missing target, a column with no values, a declared type the data does not fit, "
        + "a categorical column over "
        + "Datasets:MaxLevelsPerColumn levels or an encoding over Datasets:MaxEncodedWidth inputs, "
        + "bad sample weights, duplicate or missing "
        + "columns, fewer than 2 classes, and uploads over the row, column or cell limits; "
        + "with 413 over the byte limit (Datasets:MaxUploadBytes); with 415 for other content types; "
        + "with 409 when the tenant's "
        + "stored datasets would pass its quota (Tenancy:MaxDatasetBytes)." + IdempotencyKeys.Description;

    public static RouteGroupBuilder MapDatasetsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/datasets").WithTags("Datasets");
        group.MapPost("/", DatasetUpload.HandleAsync)
            .WithName("UploadDataset").WithSummary("Upload a dataset (CSV or JSON) and profile it")
            .WithDescription(UploadDescription)
            .AddOpenApiOperationTransformer(DatasetUploadOpenApi.DescribeAsync)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Uploads);
        group.MapGet("/", List).WithName("ListDatasets")
            .WithSummary("List datasets, newest first (no profiles, no data)");
        group.MapGet("/{id:guid}", Get).WithName("GetDataset").WithSummary("Get a dataset's profile");
        group.MapGet("/{id:guid}/rows", Rows).WithName("GetDatasetRows")
            .WithSummary($"Preview rows (offset, limit ≤ {DatasetLimits.MaxPreviewRows}): features in raw units, " +
                "then the target")
            .ProducesProblem(StatusCodes.Status429TooManyRequests).RequireRateLimiting(RateLimits.Previews);
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteDataset")
            .WithSummary("Delete a dataset (409 while an unfinished training job uses it)");
        return group;
    }

    private static async Task<Results<Ok<Paged<DatasetListItem>>, ValidationProblem>> List(
        BackpropDbContext db, ICurrentTenant tenant, IOptions<LimitsOptions> limits, CancellationToken ct,
            int page = 1, int pageSize = 20)
    {
        if (Paging.Check(page, pageSize, limits.Value) is { } errors) return TypedResults.ValidationProblem(errors);
        var query = db.Set<DatasetEntity>().AsNoTracking().OwnedBy(tenant).OrderByDescending(d => d.CreatedAt)
            .ThenByDescending(d => d.Id);
        return TypedResults.Ok(await query.ToPageAsync(page, pageSize, d => d.ToListItem(), ct));
    }

    private static async Task<Results<Ok<DatasetResponse>, ProblemHttpResult>> Get(Guid id, BackpropDbContext db,
        ICurrentTenant tenant, CancellationToken ct)
    {
        var dataset = await db.Set<DatasetEntity>().AsNoTracking().OwnedBy(tenant).SingleOrDefaultAsync(d =>
            d.Id == id, ct);
        return dataset is null ? NotFound(id) : TypedResults.Ok(dataset.ToResponse());
    }

    private static async Task<Results<Ok<DatasetRows>, ValidationProblem, ProblemHttpResult>> Rows(
        Guid id, BackpropDbContext db, ICurrentTenant tenant, CancellationToken ct, int offset = 0, int limit = 50)
    {
        var errors = new ProblemErrors();
        if (offset < 0) errors.Add("offset", $"offset must be 0 or more, got {offset}.");
        if (limit < 1 || limit > DatasetLimits.MaxPreviewRows) errors.Add("limit",
            $"limit must be between 1 and {DatasetLimits.MaxPreviewRows}, got {limit}.");
        if (errors.Any) return TypedResults.ValidationProblem(errors.ToDictionary());

        var row = await db.Set<DatasetEntity>().AsNoTracking().OwnedBy(tenant).Where(d => d.Id == id)
            .Select(d => new { d.RowCount, d.Content!.Data }).SingleOrDefaultAsync(ct);
        if (row is null) return NotFound(id);
        var window = DatasetContentCodec.DecodeRows(row.Data, offset, limit);
        var rows = new object[window.Rows][];
        for (int r = 0; r < rows.Length; r++)
        {
            var cells = rows[r] = new object[window.Width + 1];
            for (int c = 0; c < window.Width; c++) cells[c] = Cell(window, window.Features[r * window.Width + c], c)!;
            cells[^1] = window.Labels is { } labels ? window.ClassNames![labels[r]] : window.Targets![r];
        }
        return TypedResults.Ok(new DatasetRows(id, [.. window.FeatureNames, window.TargetColumn], offset, limit,
            row.RowCount, rows));
    }

    // A raw table's cell as the upload held it: a number, a level, true/false, or null where missing.
    private static object? Cell(DatasetContent window, float value, int column) =>
        float.IsNaN(value) ? null : window.Columns?[column] switch
        {
            { Kind: ColumnKind.Categorical, Levels: { } levels } => levels[(int)value],
            { Kind: ColumnKind.Boolean } => value == 1,
            _ => value,
        };

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, BackpropDbContext db, ICurrentTenant tenant, [FromServices] IDatasetUsage usage, TenantQuotas quotas,
        CancellationToken ct)
    {
        var datasets = db.Set<DatasetEntity>().OwnedBy(tenant).Where(d => d.Id == id);
        // Under the tenant's lock, which job creation holds from its check that the dataset exists to its insert: a job
        // created at the same moment is either seen here (409) or finds the dataset gone (404), never left without its
        // data.
        return await quotas.LockedAsync(async () =>
        {
            if (!await datasets.AnyAsync(ct)) return NotFound(id);
            if (await usage.IsInUseAsync(id, ct))
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Dataset in use",
                    detail: $"Dataset {id} is used by a training job that has not finished; cancel the job or wait "
                        + "for it to end, then delete the dataset.");
            await db.Set<DatasetContentEntity>().Where(c => c.DatasetId == id).ExecuteDeleteAsync(ct);
            await datasets.ExecuteDeleteAsync(ct);
            return null;
        }, ct) is { } problem ? problem : TypedResults.NoContent();
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Dataset not found",
            detail: $"There is no dataset with id {id}.");
}
