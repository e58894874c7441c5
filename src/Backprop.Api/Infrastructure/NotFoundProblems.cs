namespace Backprop.Api.Infrastructure;

/// <summary>Every 404 is the same problem: title "Not Found" and a detail that names what was not found.</summary>
public static class NotFoundProblems
{
    public const string Title = "Not Found";

    /// <summary>A 404 for a resource of the kind <paramref name="resource"/> (e.g. "Dataset").</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult For(string resource, Guid id) =>
        TypedResults.Problem($"{resource} {id} does not exist.", statusCode: StatusCodes.Status404NotFound,
            title: Title);

    /// <summary>Gives a 404 without a detail (an empty <c>TypedResults.NotFound()</c>, an unknown route) one from the
    /// route.</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Status != StatusCodes.Status404NotFound) return;
        problem.Title = Title;
        if (!string.IsNullOrEmpty(problem.Detail)) return;
        var http = context.HttpContext;
        var pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        problem.Detail = pattern is not null && http.GetRouteValue("id") is { } id && Resource(pattern) is { } resource
            ? $"{resource} {id} does not exist."
            : $"Nothing is at {http.Request.Method} {http.Request.Path}.";
    }

    /// <summary>"/api/models/{id:guid}/weights" → "Model".</summary>
    private static string? Resource(string pattern) => pattern.TrimStart('/').Split('/') switch
    {
        ["api", "admin", "keys", ..] => "Key",
        ["api", var plural, ..] when plural.EndsWith('s') => char.ToUpperInvariant(plural[0]) + plural[1..^1],
        _ => null,
    };
}
