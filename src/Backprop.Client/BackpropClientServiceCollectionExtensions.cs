using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Backprop.Client;

/// <summary>Registers <see cref="BackpropClient"/> as a typed client of IHttpClientFactory.</summary>
public static class BackpropClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="BackpropClient"/>: the base address and key from <paramref name="configure"/>, and retries
    /// of answers that say "not now": 429 after the Retry-After the service sends, 503, and GETs that could not
    /// connect. POSTs are not retried after other errors, so a job is never started twice.
    /// </summary>
    /// <returns>The client's builder, to add handlers or replace the primary handler.</returns>
    public static IHttpClientBuilder AddBackpropClient(this IServiceCollection services,
        Action<BackpropClientOptions> configure)
    {
        services.AddOptions<BackpropClientOptions>().Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true },
                "BackpropClientOptions.BaseAddress must be an absolute URI.")
            .Validate(o => o.MaxRetryAttempts is >= 0 and <= 20,
                "BackpropClientOptions.MaxRetryAttempts must be 0 to 20.")
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.RetryDelay > TimeSpan.Zero && o.Timeout > TimeSpan.Zero,
                "BackpropClientOptions.PollInterval, RetryDelay and Timeout must be positive.");
        var builder = services.AddHttpClient<BackpropClient>((provider, http) =>
        {
            var o = provider.GetRequiredService<IOptions<BackpropClientOptions>>().Value;
            http.BaseAddress = WithTrailingSlash(o.BaseAddress!);
            http.Timeout = Timeout.InfiniteTimeSpan; // each attempt has its own limit, in the pipeline
            if (o.ApiKey is { Length: > 0 } key)
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        });
        builder.AddResilienceHandler("backprop", (pipeline, context) =>
        {
            var o = context.ServiceProvider.GetRequiredService<IOptions<BackpropClientOptions>>().Value;
            if (o.MaxRetryAttempts > 0)
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = o.MaxRetryAttempts,
                    Delay = o.RetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldRetryAfterHeader = true,
                    ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context)),
                });
            pipeline.AddTimeout(o.Timeout);
        });
        return builder;
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context) => outcome switch
    {
        { Result.StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable } => true,
        // Nothing reached the service, or the answer was lost: only a read is safe to send again.
        { Exception: HttpRequestException } => context.GetRequestMessage()?.Method == HttpMethod.Get,
        _ => false,
    };

    // "http://host/prefix" + "api/jobs" would drop "prefix"; "http://host/prefix/" keeps it.
    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/" + uri.Query);
}
