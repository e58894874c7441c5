using System.Text.Json;
using System.Text.Json.Serialization;
using Backprop.Api.Security;

namespace Backprop.Api.Infrastructure;

/// <summary>HTTP conventions shared by every resource: strict JSON, RFC 9457 problems, validation, OpenAPI,
/// limits.</summary>
public static class WebApiServiceCollectionExtensions
{
    public static IServiceCollection AddWebApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.AddOptions<LimitsOptions>().Bind(configuration.GetSection(LimitsOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddRequestLimits();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = NotFoundProblems.Customize);
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddValidation();
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Backprop";
            document.Info.Description = "Define neural networks, train them by backpropagation on uploaded " +
                "datasets, and query the trained models. "
                + "Every /api call needs an API key (Authorize).";
            return Task.CompletedTask;
        }).AddDocumentation().AddApiKeySecurity());
        return services;
    }

    /// <summary>
    /// Keeps ASP.NET Core data protection from creating a key ring at start (authentication registers it; it logged "No
    /// XML encryptor configured" on the first start). Nothing here protects data with it: API keys are hashed, there
    /// are no cookies or antiforgery tokens. Call after everything else is registered.
    /// </summary>
    public static IServiceCollection WithoutDataProtectionAtStart(this IServiceCollection services)
    {
        const string keyRingService = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";
        services.RemoveAll<IHostedService>(d => d.ImplementationType?.FullName == keyRingService);
        return services;
    }

    private static void RemoveAll<T>(this IServiceCollection services, Func<ServiceDescriptor, bool> match)
    {
        foreach (var d in services.Where(d => d.ServiceType == typeof(T) && match(d)).ToList()) services.Remove(d);
    }

    /// <summary>Web defaults plus: no numbers from strings ("NaN"), no unknown properties, enums as snake_case
    /// strings.</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.NumberHandling = JsonNumberHandling.Strict;
        // No request document nests this deep (an imported model is ~6 levels); deeper is refused with 400 before it
        // costs stack.
        options.MaxDepth = RequestLimits.MaxJsonDepth;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        // {"epochs": 1, "epochs": 100000} is refused rather than read as its last value.
        options.AllowDuplicateProperties = false;
        options.Converters.Add(new ApiEnumConverterFactory());
    }

    /// <summary>/openapi/v1.json (Microsoft.AspNetCore.OpenApi) shown by Swagger UI at /swagger.</summary>
    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        if (app.Configuration.GetValue("SwaggerUI:Enabled", true))
            app.UseSwaggerUI(o =>
            {
                o.SwaggerEndpoint("/openapi/v1.json", "Backprop v1");
                o.DocumentTitle = "Backprop API";
                o.EnablePersistAuthorization();
            });
        return app;
    }
}
