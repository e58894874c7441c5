namespace Backprop.Api.Security;

/// <summary>GET /api/whoami: the tenant a key belongs to — lets a client check its key before it does real
/// work.</summary>
public static class WhoAmIApi
{
    public sealed record WhoAmIResponse(string Tenant);

    public static IEndpointRouteBuilder MapWhoAmIApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/whoami", (ICurrentTenant tenant) => TypedResults.Ok(new WhoAmIResponse(tenant.Id)))
            .WithName("WhoAmI").WithSummary("The tenant of the calling key").WithTags("Keys");
        return api;
    }
}
