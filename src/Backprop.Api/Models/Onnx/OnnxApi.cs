using Backprop.Api.Data;
using Backprop.Api.Predictions;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Models.Onnx;

/// <summary>GET /api/models/{id}/onnx: the model as a self-contained ONNX file for any ONNX runtime.</summary>
public static class OnnxApi
{
    public const string ContentType = "application/octet-stream";

    private const string Description =
        "A self-contained ONNX model that any ONNX runtime runs without Backprop and that predicts what "
        + "POST /api/models/{id}/predict predicts, to single-precision rounding. A model without a preparation takes "
        + "one input 'features' (float [N, inputs], raw units, in the order of the model's featureNames); a model "
        + "trained on a table with categorical or missing cells takes one input per raw column, named after it: "
        + "numeric and boolean columns float [N, 1] (NaN for a missing cell, 1/0 for true/false), categorical columns "
        + "string [N, 1] (the level's trimmed text, \"\" for a missing cell); a level the training split never held "
        + "is encoded all-zero (the 'ignore' policy, whatever the model's unseenLevels). Outputs: classification "
        + "'label' (int64 [N], an index into class_names) and 'probabilities' (float [N, classes]) for sigmoid or "
        + "softmax outputs, otherwise 'outputs'; regression 'values' (float [N, targets], raw units). The metadata "
        + "(metadata_props) holds task, feature_names, class_names, target_names and input_columns as JSON.";

    public static RouteGroupBuilder MapOnnxExport(this RouteGroupBuilder models)
    {
        models.MapGet("/{id:guid}/onnx", Export).WithName("ExportModelOnnx")
            .WithSummary("Export the model as ONNX (opset 21): preparation, normalisation, Gemm and activation "
                + "per layer, probabilities and label")
            .WithDescription(Description)
            .Produces<byte[]>(StatusCodes.Status200OK, ContentType)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Exports);
        return models;
    }

    private static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> Export(
        Guid id, BackpropDbContext db, ICurrentTenant tenant, ModelCache cache, CancellationToken ct)
    {
        if (await ModelLoader.LoadAsync(id, db, tenant, cache, ct) is not { } model) return TypedResults.NotFound();
        var name = await db.Set<ModelEntity>().OwnedBy(tenant).Where(m => m.Id == id)
            .Select(m => m.Name).SingleOrDefaultAsync(ct);
        byte[] onnx;
        try
        {
            onnx = OnnxExport.Write(model.Model, id, name);
        }
        catch (OnnxExportException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                title: "Model cannot be exported as ONNX", detail: e.Message);
        }
        return TypedResults.File(onnx, ContentType, $"{FileName(name) ?? "model"}-{id:N}.onnx");
    }

    /// <summary>The model's name reduced to characters safe in a file name; null when none remain.</summary>
    private static string? FileName(string? name)
    {
        if (name is null) return null;
        var kept = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        var safe = new string([.. kept]).Trim('.', '_');
        return safe.Length == 0 ? null : safe[..Math.Min(safe.Length, 64)];
    }
}
