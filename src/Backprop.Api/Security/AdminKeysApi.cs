using System.ComponentModel.DataAnnotations;
using Backprop.Api.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Security;

/// <summary>A new key for a tenant (created with its first key).</summary>
/// <param name="Tenant">Tenant id: 1–64 of a–z, 0–9, '-', '_'.</param>
/// <param name="Name">What the key is for (shown in listings).</param>
public sealed record CreateApiKeyRequest(
    [property: Required, RegularExpression("^[a-z0-9_-]{1,64}$")] string Tenant,
    [property: MaxLength(200)] string? Name);

/// <summary>A key as listed: never its secret.</summary>
public sealed record ApiKeyResponse(Guid Id, string Tenant, string Name, string Prefix, bool Development,
    DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>The key, shown this once; the service keeps only its hash.</summary>
public sealed record CreatedApiKeyResponse(Guid Id, string Tenant, string Name, string Prefix, DateTime CreatedAt,
    string Key);

/// <summary>/api/admin/keys: the admin key creates, lists and revokes tenant keys.</summary>
public static class AdminKeysApi
{
    public static RouteGroupBuilder MapAdminKeysApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/admin/keys").WithTags("Admin")
            .RequireAuthorization(SecurityServiceCollectionExtensions.AdminPolicy);
        group.MapPost("/", Create).WithName("CreateApiKey")
            .WithSummary("Create a tenant key (the key is in this response only)");
        group.MapGet("/", List).WithName("ListApiKeys")
            .WithSummary("List keys, newest first, optionally of one tenant (no secrets)");
        group.MapDelete("/{id:guid}", Revoke).WithName("RevokeApiKey")
            .WithSummary("Revoke a key; it stops working at once");
        return group;
    }

    private static async Task<Created<CreatedApiKeyResponse>> Create(CreateApiKeyRequest request, BackpropDbContext db,
        TimeProvider clock, CancellationToken ct)
    {
        var key = ApiKeys.Generate();
        var entity = ApiKeys.CreateEntity(key, request.Tenant, request.Name ?? "", clock.GetUtcNow().UtcDateTime);
        db.Add(entity);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/admin/keys/{entity.Id}",
            new CreatedApiKeyResponse(entity.Id, entity.TenantId, entity.Name, entity.Prefix, entity.CreatedAt, key));
    }

    private static async Task<Results<Ok<Paged<ApiKeyResponse>>, ValidationProblem>> List(
        BackpropDbContext db, Microsoft.Extensions.Options.IOptions<LimitsOptions> limits, CancellationToken ct,
            string? tenant = null, int page = 1, int pageSize = 20)
    {
        if (Paging.Check(page, pageSize, limits.Value) is { } errors) return TypedResults.ValidationProblem(errors);
        var query = db.Set<ApiKeyEntity>().AsNoTracking();
        if (tenant is not null) query = query.Where(k => k.TenantId == tenant);
        return TypedResults.Ok(await query.OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id)
            .ToPageAsync(page, pageSize,
            k => new ApiKeyResponse(k.Id, k.TenantId, k.Name, k.Prefix, k.IsDevelopment, k.CreatedAt.AsUtc(),
                k.RevokedAt.AsUtc()), ct));
    }

    private static async Task<Results<NoContent, NotFound>> Revoke(Guid id, BackpropDbContext db, TimeProvider clock,
        ApiKeyCache cache, ClusterEvents events, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        int revoked = await db.Set<ApiKeyEntity>().Where(k => k.Id == id && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), ct);
        cache.Clear();
        if (revoked > 0) await events.PublishAsync(db, ClusterEvent.KeyRevoked, id.ToString(), CancellationToken.None);
        return revoked > 0 || await db.Set<ApiKeyEntity>().AnyAsync(k => k.Id == id,
            ct) ? TypedResults.NoContent() : TypedResults.NotFound();
    }
}
