using System.Text.Json;

namespace Backprop.Api.Inference;

/// <summary>
/// Writes the problems of /v2 requests that come from outside the protocol's handlers (no key, a rate limit, a body too
/// large or
/// not JSON, an unknown route) in the protocol's form, {"error": "…"}, with the same status code.
/// </summary>
internal sealed class InferenceErrorWriter : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) =>
        context.HttpContext.Request.Path.StartsWithSegments("/v2") && !context.HttpContext.Response.HasStarted;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        string message = problem.Detail ?? problem.Title ?? "The request failed.";
        if (problem is HttpValidationProblemDetails { Errors.Count: > 0 } validation)
            message = string.Join(" ", validation.Errors.SelectMany(e => e.Value.Select(m => e.Key.Length == 0 ? m
                : $"{e.Key}: {m}")));
        var response = context.HttpContext.Response;
        response.ContentType = "application/json";
        return new ValueTask(JsonSerializer.SerializeAsync(response.Body, new InferenceErrorBody(message),
            InferenceErrorJson.Options));
    }
}

internal static class InferenceErrorJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
