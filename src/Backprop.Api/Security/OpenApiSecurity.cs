using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Backprop.Api.Security;

/// <summary>Declares the API key in the OpenAPI document, so Swagger UI offers "Authorize" and sends the key with /api
/// calls.</summary>
internal static class OpenApiSecurity
{
    private const string Bearer = "Bearer";
    private const string Header = "ApiKeyHeader";

    public static OpenApiOptions AddApiKeySecurity(this OpenApiOptions options) => options.AddDocumentTransformer(
        (document, _, _) =>
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "bp_…",
            Description = "A tenant key (or the admin key for /api/admin), sent as `Authorization: Bearer <key>`.",
        };
        document.Components.SecuritySchemes[Header] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
            Description = "The same key in the header `X-Api-Key: <key>`.",
        };
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith("/api/", StringComparison.Ordinal) || item.Operations is null) continue;
            foreach (var operation in item.Operations.Values)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer,
                    document)] = [] });
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Header,
                    document)] = [] });
            }
        }
        return Task.CompletedTask;
    });
}
