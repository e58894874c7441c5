using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Backprop.Api.Data;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Infrastructure;

/// <summary>Maps the exceptions a client can cause to RFC 9457 problems; anything else is a 500 without
/// details.</summary>
public sealed class ProblemExceptionHandler(
    IProblemDetailsService problems, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception,
        CancellationToken cancellationToken)
    {
        // The client hung up (a reset, or a body cut short): nobody reads an answer, and nothing here was malformed.
        if (httpContext.RequestAborted.IsCancellationRequested || ClientWentAway(exception))
        {
            logger.LogDebug(exception, "The client of {Method} {Path} went away.", httpContext.Request.Method,
                httpContext.Request.Path);
            return true;
        }
        var problem = exception switch
        {
            InvalidNetworkSpecException e => Validation(e.Errors.ToProblemErrors()),
            InvalidTrainingOptionsException e => Validation(e.Errors.ToProblemErrors()),
            BadHttpRequestException { InnerException: JsonException e } => Json(httpContext, e),
            BadHttpRequestException e => new ProblemDetails
            {
                Status = e.StatusCode,
                Title = e.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => "Request body too large",
                    StatusCodes.Status408RequestTimeout => "Request body too slow",
                    StatusCodes.Status414UriTooLong => "URI too long",
                    StatusCodes.Status431RequestHeaderFieldsTooLarge => "Request header fields too large",
                    _ => "Malformed request",
                },
                Detail = e.Message,
            },
            JsonException e => Json(httpContext, e),
            DbUpdateConcurrencyException => new ProblemDetails
            {
                Status = 409, Title = "Conflict",
                    Detail = "The resource was changed by another request; read it again and retry.",
            },
            _ when StorageErrors.IsOutOfSpace(exception) => new ProblemDetails
            {
                Status = StatusCodes.Status507InsufficientStorage, Title = "Insufficient storage",
                Detail = "The service's storage is full, so nothing could be saved; reads still work. " +
                    "Retry once space has been freed.",
            },
            _ when StorageErrors.IsIoError(exception) => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable, Title = "Storage unavailable",
                Detail = "The service's storage reported an I/O error, so nothing was saved; retry later.",
            },
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => null,
            _ => null,
        };
        if (problem is null)
        {
            if (httpContext.RequestAborted.IsCancellationRequested) return true;
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", httpContext.Request.Method,
                httpContext.Request.Path);
            problem = new ProblemDetails { Status = 500, Title = "Internal server error",
                Detail = "An unexpected error occurred; it has been logged." };
        }
        httpContext.Response.StatusCode = problem.Status ?? 500;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext,
            ProblemDetails = problem, Exception = exception });
    }

    /// <summary>Kestrel reports a connection closed mid-body as a 400 BadHttpRequestException; its reason is only in
    /// the message.</summary>
    private static bool ClientWentAway(Exception e) =>
        e is BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } bad
        && bad.Message.StartsWith("Unexpected end of request content", StringComparison.Ordinal);

    /// <summary>A body the serializer refused: the field and what it expects, in the API's names.</summary>
    private HttpValidationProblemDetails Json(HttpContext context, JsonException exception)
    {
        var requestType = context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        var (path, message) = JsonProblems.Describe(exception, requestType, json.Value.SerializerOptions);
        return new(new Dictionary<string, string[]> { [path.Length == 0 ? "$" : path] = [message] })
        {
            Status = 400, Title = "One or more validation errors occurred.", Detail = path.Length == 0 ? message
                : $"{path}: {message}",
        };
    }

    private static HttpValidationProblemDetails Validation(IDictionary<string, string[]> errors) =>
        new(errors) { Status = 400, Title = "One or more validation errors occurred." };
}
