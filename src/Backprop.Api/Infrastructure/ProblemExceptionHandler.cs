using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Infrastructure;

/// <summary>Maps the exceptions a client can cause to RFC 9457 problems; anything else is a 500 without details.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            InvalidNetworkSpecException e => Validation(e.Errors.ToProblemErrors()),
            InvalidTrainingOptionsException e => Validation(e.Errors.ToProblemErrors()),
            BadHttpRequestException e => new ProblemDetails
            {
                Status = e.StatusCode,
                Title = e.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => "Request body too large",
                    StatusCodes.Status408RequestTimeout => "Request body too slow",
                    _ => "Malformed request",
                },
                Detail = e.InnerException is JsonException json ? $"{e.Message} {json.Message}" : e.Message,
            },
            JsonException e => new ProblemDetails { Status = 400, Title = "Malformed JSON", Detail = e.Message },
            DbUpdateConcurrencyException => new ProblemDetails
            {
                Status = 409, Title = "Conflict", Detail = "The resource was changed by another request; read it again and retry.",
            },
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => null,
            _ => null,
        };
        if (problem is null)
        {
            if (httpContext.RequestAborted.IsCancellationRequested) return true;
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            problem = new ProblemDetails { Status = 500, Title = "Internal server error", Detail = "An unexpected error occurred; it has been logged." };
        }
        httpContext.Response.StatusCode = problem.Status ?? 500;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static HttpValidationProblemDetails Validation(IDictionary<string, string[]> errors) =>
        new(errors) { Status = 400, Title = "One or more validation errors occurred." };
}
