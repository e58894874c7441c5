using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Api.Tests.Security;

/// <summary>One method of one route, as the running app maps it (so a new endpoint shows up here by itself).</summary>
public sealed record ApiRoute(string Method, string Pattern)
{
    public override string ToString() => $"{Method} {Pattern}";

    /// <summary>The pattern with every route parameter set to <paramref name="id"/>.</summary>
    public string Url(Guid id) => Regex.Replace(Pattern, @"\{[^}]+\}", id.ToString());

    public bool HasParameters => Pattern.Contains('{');

    /// <summary>networks, datasets, jobs, models, admin, …: the first segment after /api.</summary>
    public string Resource => Pattern.Split('/', StringSplitOptions.RemoveEmptyEntries)[1];
}

public static class ApiEndpoints
{
    /// <summary>Every route under /api with each of its methods, from the app's <see
    /// cref="EndpointDataSource"/>.</summary>
    public static IReadOnlyList<ApiRoute> All(ApiFactory factory)
    {
        _ = factory.Server; // the app is built and started
        return factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => new ApiRoute(m, e.RoutePattern.RawText!)))
            .Distinct().OrderBy(r => r.Pattern).ThenBy(r => r.Method).ToList();
    }

    public static HttpRequestMessage Request(this ApiRoute route, Guid id, string? jsonBody = "{}") =>
        new(new HttpMethod(route.Method), route.Url(id))
    {
        Content = route.Method is "POST" or "PUT" or "PATCH" && jsonBody is not null
            ? new StringContent(jsonBody, System.Text.Encoding.UTF8, "application/json") : null,
    };
}
