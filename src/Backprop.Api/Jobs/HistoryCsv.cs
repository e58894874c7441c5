using System.Globalization;
using System.Text;
using Backprop.Api.Data;
using Backprop.Api.Security;
using Microsoft.EntityFrameworkCore;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;

namespace Backprop.Api.Jobs;

/// <summary>
/// GET /api/jobs/{id}/history with <c>Accept: text/csv</c>: every stored epoch as one CSV row (for spreadsheets and
/// pandas), the columns named as the JSON history's properties, per-layer statistics as <c>layer{i}.{property}</c>, an
/// empty cell for null.
/// </summary>
internal static class HistoryCsv
{
    private static readonly string[] Columns =
        ["epoch", "trainLoss", "validationLoss", "trainAccuracy", "validationAccuracy", "trainRmse", "validationRmse",
            "trainR2", "validationR2", "learningRate", "durationMs", "phase"];

    public static RouteHandlerBuilder WithCsv(this RouteHandlerBuilder history) => history
        .AddEndpointFilter(async (context, next) => WantsCsv(context.HttpContext.Request)
            ? await CsvAsync(context.HttpContext) : await next(context))
        .Produces<string>(StatusCodes.Status200OK, "text/csv");

    /// <summary>text/csv is the client's first choice (highest quality, earliest listed).</summary>
    private static bool WantsCsv(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        if (accept.Count == 0) return false;
        var first = accept.OrderByDescending(a => a.Quality ?? 1).First();
        return first.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<IResult> CsvAsync(HttpContext http)
    {
        var db = http.RequestServices.GetRequiredService<BackpropDbContext>();
        var tenant = http.RequestServices.GetRequiredService<ICurrentTenant>();
        var job = Guid.TryParse(http.GetRouteValue("id")?.ToString(), out var id)
            ? await db.Set<TrainingJob>().OwnedBy(tenant).Where(j => j.Id == id)
                .Select(j => new { j.Request, j.RefitFromEpoch }).SingleOrDefaultAsync(http.RequestAborted)
            : null;
        if (job is null)
            return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Not found",
                Detail = $"Job {http.GetRouteValue("id")} does not exist." });
        int from = int.TryParse(http.Request.Query["fromEpoch"], CultureInfo.InvariantCulture, out var f) ? f : 1;
        var rows = db.Set<EpochEntity>().AsNoTracking().Where(e => e.JobId == id && e.Epoch >= from)
            .OrderBy(e => e.Epoch).AsAsyncEnumerable();
        return TypedResults.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new UTF8Encoding(false), 64 * 1024);
            int layers = -1;
            await foreach (var record in rows.WithCancellation(http.RequestAborted))
            {
                var epoch = record.ToResponse() with
                {
                    Phase = JobMapping.PhaseOf(job.Request.Refit, job.RefitFromEpoch, record.Epoch),
                };
                if (layers < 0)
                {
                    layers = epoch.Layers.Count;
                    await writer.WriteLineAsync(Header(layers));
                }
                await writer.WriteLineAsync(Row(epoch, layers));
            }
            if (layers < 0) await writer.WriteLineAsync(string.Join(',', Columns));
        }, "text/csv; charset=utf-8", $"job-{id}-history.csv");
    }

    private static string Header(int layers)
    {
        var header = new StringBuilder(string.Join(',', Columns));
        for (int l = 0; l < layers; l++) header.Append(CultureInfo.InvariantCulture,
            $",layer{l}.weightGradientNorm,layer{l}.biasGradientNorm,layer{l}.updateRatio");
        return header.ToString();
    }

    private static string Row(EpochResponse e, int layers)
    {
        var row = new StringBuilder();
        row.Append(e.Epoch.ToString(CultureInfo.InvariantCulture));
        foreach (var value in new[] { e.TrainLoss, e.ValidationLoss, e.TrainAccuracy, e.ValidationAccuracy,
            e.TrainRmse, e.ValidationRmse, e.TrainR2, e.ValidationR2, e.LearningRate, e.DurationMs })
            row.Append(',').Append(Cell(value));
        row.Append(',').Append(e.Phase is { } phase ? JsonNames.Of(phase) : "");
        for (int l = 0; l < layers; l++)
        {
            var s = l < e.Layers.Count ? e.Layers[l] : null;
            row.Append(',').Append(Cell(s?.WeightGradientNorm)).Append(',').Append(Cell(s?.BiasGradientNorm))
                .Append(',').Append(Cell(s?.UpdateRatio));
        }
        return row.ToString();
    }

    private static string Cell(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
