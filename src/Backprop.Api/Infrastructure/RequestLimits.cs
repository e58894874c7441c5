using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Infrastructure;

/// <summary>
/// Limits on the shape and pace of a request, each answered with its own status: body over Limits:MaxRequestBodyBytes →
/// 413; JSON deeper than <see cref="MaxJsonDepth"/> → 400; a body trickling in below Limits:MinRequestBodyBytesPerSecond
/// (after a grace period) → 408; headers not complete within Limits:RequestHeadersTimeout → connection closed (Kestrel).
/// </summary>
public static class RequestLimits
{
    public const int MaxJsonDepth = 32;

    public static IServiceCollection AddRequestLimits(this IServiceCollection services)
    {
        // Kestrel enforces these; bad bodies throw BadHttpRequestException so the exception handler can name the problem.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((kestrel, options) =>
        {
            var limits = options.Value;
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(limits.MinRequestBodyBytesPerSecond, limits.RequestBodyGracePeriod);
            kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        });
        // For any form read through the framework (dataset uploads stream multipart themselves, with the same header limits).
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
}
