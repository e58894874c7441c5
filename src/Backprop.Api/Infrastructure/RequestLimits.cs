using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Infrastructure;

/// <summary>
/// Limits on the shape and pace of a request, each answered with its own status: body over Limits:MaxRequestBodyBytes →
/// 413; JSON deeper than <see cref="MaxJsonDepth"/> → 400; a body trickling in below
/// Limits:MinRequestBodyBytesPerSecond (after a grace period) → 408; headers not complete within
/// Limits:RequestHeadersTimeout → connection closed (Kestrel). Per-tenant rate limits are <see
/// cref="Security.RateLimits"/>.
/// </summary>
public static class RequestLimits
{
    public const int MaxJsonDepth = 32;
    /// <summary>Longest request target (path and query) answered; longer → 414 with a problem body.</summary>
    public const int MaxRequestTargetLength = 8 * 1024;
    /// <summary>Largest total of request headers answered; larger → 431 with a problem body.</summary>
    public const int MaxRequestHeadersBytes = 32 * 1024;

    public static IServiceCollection AddRequestLimits(this IServiceCollection services)
    {
        // Kestrel enforces these; bad bodies throw BadHttpRequestException so the exception handler can name the
        // problem.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((kestrel, options) =>
        {
            var limits = options.Value;
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(limits.MinRequestBodyBytesPerSecond,
                limits.RequestBodyGracePeriod);
            kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
            // Twice the limits the service answers with a problem (UseRequestShapeLimits): Kestrel's own 414/431 have
            // no body.
            kestrel.Limits.MaxRequestLineSize = 2 * MaxRequestTargetLength;
            kestrel.Limits.MaxRequestHeadersTotalSize = 2 * MaxRequestHeadersBytes;
        });
        // For any form read through the framework (dataset uploads stream multipart themselves, with the same header
        // limits).
        services.AddOptions<FormOptions>().Configure<IOptions<LimitsOptions>>((form, options) =>
        {
            form.MultipartBodyLengthLimit = options.Value.MaxRequestBodyBytes;
            form.MultipartHeadersCountLimit = 16;
            form.MultipartHeadersLengthLimit = 16 * 1024;
            form.ValueCountLimit = 1024;
            form.ValueLengthLimit = 64 * 1024;
        });
        return services;
    }

    /// <summary>414 and 431 as RFC 9457 problems, for the targets and headers Kestrel still accepts (up to twice these
    /// limits).</summary>
    public static IApplicationBuilder UseRequestShapeLimits(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
    {
        var request = context.Request;
        long target = request.Path.Value?.Length + request.QueryString.Value?.Length ?? 0;
        if (target > MaxRequestTargetLength)
        {
            await WriteProblemAsync(context, StatusCodes.Status414UriTooLong, "URI too long",
                $"The request target is {target} characters long; this service accepts at most " +
                $"{MaxRequestTargetLength}. Send large inputs in the body.");
            return;
        }
        long headers = 0;
        foreach (var (name, values) in request.Headers) headers += name.Length + 4 + values.Sum(v => v?.Length ?? 0);
        if (headers > MaxRequestHeadersBytes)
        {
            await WriteProblemAsync(context, StatusCodes.Status431RequestHeaderFieldsTooLarge,
                "Request header fields too large",
                $"The request headers total about {headers} bytes; this service accepts at most " +
                $"{MaxRequestHeadersBytes}.");
            return;
        }
        await next(context);
    });

    private static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title,
                Detail = detail },
        });
    }
}
