using System.Security.Cryptography;
using System.Text;
using Backprop.Api.Data;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Backprop.Api.Infrastructure;

/// <summary>
/// A resource created by a request that carried an Idempotency-Key header, stored in the transaction that stores the
/// resource:
/// a retry with the same key and the same content is answered with that resource instead of creating a second one.
/// </summary>
public sealed class IdempotencyRecord : ITenantOwned
{
    public required string TenantId { get; set; }
    /// <summary>The kind of resource the key created ("datasets", "models"): a key is the client's per kind of
    /// request.</summary>
    public required string Scope { get; set; }
    public required string Key { get; set; }
    /// <summary>SHA-256 (hex) of what the request stored, which tells a retry from another request that reuses the
    /// key.</summary>
    public required string Fingerprint { get; set; }
    public Guid ResourceId { get; set; }
    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; set; }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> b)
    {
        b.ToTable("IdempotencyKeys");
        // The key is the lock: of two requests with one key at once, the second insert fails and answers the first's
        // resource.
        b.HasKey(e => new { e.TenantId, e.Scope, e.Key });
        b.Property(e => e.TenantId).HasMaxLength(64);
        b.Property(e => e.Scope).HasMaxLength(16);
        b.Property(e => e.Key).HasMaxLength(IdempotencyKeys.MaxLength);
        b.Property(e => e.Fingerprint).HasMaxLength(64);
    }
}

/// <summary>The Idempotency-Key request header of uploads and imports (a client retries safely after a lost
/// response).</summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";
    /// <summary>Set on a response that answers a retry with the resource an earlier request created.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxLength = 255;

    /// <summary>What the header does, for the endpoints' descriptions.</summary>
    public const string Description =
        " With an Idempotency-Key header (1 to 255 visible ASCII characters, e.g. a UUID), a retry with the same "
        + "key and the same content answers 201 with the resource the first request created (and "
        + "Idempotent-Replayed: true) instead of storing it twice; the same key with different content answers 422.";

    /// <summary>The request's key (null without the header), or a 400 problem naming what is wrong with it.</summary>
    public static (string? Key, ProblemHttpResult? Problem) Read(HttpRequest request)
    {
        var values = request.Headers[Header];
        if (values.Count == 0) return (null, null);
        if (values.Count > 1) return (null, Invalid("Send one Idempotency-Key header, not several."));
        var key = values[0]!.Trim();
        if (key.Length >= 2 && key[0] == '"' && key[^1] == '"') key = key[1..^1]; // the structured-field string form
        if (key.Length is 0 or > MaxLength || key.Any(c => c is < '!' or > '~'))
            return (null,
                Invalid($"The Idempotency-Key must be 1 to {MaxLength} visible ASCII characters (e.g. a UUID)."));
        return (key, null);
    }

    /// <summary>SHA-256 of the request's name and stored bytes, as hex.</summary>
    public static string Fingerprint(string? name, ReadOnlySpan<byte> stored)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(name ?? ""));
        hash.AppendData([0]);
        hash.AppendData(stored);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static ProblemHttpResult Invalid(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid Idempotency-Key");
}

/// <summary>One creation under an Idempotency-Key: finds what an earlier request with the key created, or records this
/// one's resource.</summary>
public sealed class IdempotentCreation(BackpropDbContext db, string tenantId, string scope, string key,
    string fingerprint)
{
    private IQueryable<IdempotencyRecord> Records => db.Set<IdempotencyRecord>().Where(r => r.TenantId == tenantId
        && r.Scope == scope && r.Key == key);

    /// <summary>
    /// The resource an earlier request with this key created (<paramref name="load"/> reads it), null when there is
    /// none; a 422
    /// problem when that request stored different content. A key whose resource has been deleted since is free again.
    /// </summary>
    public async Task<(T? Earlier, ProblemHttpResult? Problem)> EarlierAsync<T>(Func<Guid, Task<T?>> load,
        CancellationToken ct) where T : class
    {
        var record = await Records.AsNoTracking().SingleOrDefaultAsync(ct);
        if (record is null) return (null, null);
        if (record.Fingerprint != fingerprint)
            return (null, TypedResults.Problem(
                $"Idempotency-Key '{key}' was used by an earlier request with different content, which created "
                + $"/api/{scope}/{record.ResourceId}; "
                + "send a new key for a new request.", statusCode: StatusCodes.Status422UnprocessableEntity,
                    title: "Idempotency-Key reused"));
        if (await load(record.ResourceId) is { } earlier) return (earlier, null);
        await Records.Where(r => r.ResourceId == record.ResourceId).ExecuteDeleteAsync(ct);
        return (null, null);
    }

    /// <summary>Adds the key's record for <paramref name="resourceId"/>, stored with the resource by the same
    /// SaveChanges.</summary>
    public void Record(Guid resourceId, DateTime now) => db.Add(new IdempotencyRecord
    {
        TenantId = tenantId, Scope = scope, Key = key, Fingerprint = fingerprint, ResourceId = resourceId,
            CreatedAt = now,
    });

    /// <summary>Marks <paramref name="response"/> as the answer of an earlier request.</summary>
    public static void MarkReplayed(HttpResponse response) => response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
}
