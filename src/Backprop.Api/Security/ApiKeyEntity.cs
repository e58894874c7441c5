using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Backprop.Api.Security;

/// <summary>A tenant's API key. Only its SHA-256 hash and a short, non-secret prefix (for lookup and listings) are
/// stored.</summary>
public sealed class ApiKeyEntity
{
    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public required string Name { get; set; }
    /// <summary>The key's first <see cref="ApiKeys.PrefixLength"/> characters: an index, not a secret.</summary>
    public required string Prefix { get; set; }
    /// <summary>SHA-256 of the whole key.</summary>
    public required byte[] Hash { get; set; }
    /// <summary>Created by the service for loopback development; revoked at the first start that listens beyond
    /// loopback.</summary>
    public bool IsDevelopment { get; set; }
    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; set; }
    /// <summary>UTC; a revoked key authenticates nothing.</summary>
    public DateTime? RevokedAt { get; set; }
}

/// <summary>Key format, hashing and constant-time comparison.</summary>
public static class ApiKeys
{
    public const string KeyPrefix = "bp_";
    public const int PrefixLength = 12;

    /// <summary>bp_ + 32 random bytes as base64url (256 bits of entropy).</summary>
    public static string Generate() => KeyPrefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// A fast hash is right here: keys are 256-bit random strings, so a stolen hash cannot be brute-forced, and a slow
    /// password hash (PBKDF2, Argon2) would only add latency to every request. Passwords would need the slow kind.
    /// </summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string PrefixOf(string key) => key.Length <= PrefixLength ? key : key[..PrefixLength];

    /// <summary>Compares hashes in constant time, so response timing says nothing about how much of a key
    /// matched.</summary>
    public static bool Matches(string presented, byte[] storedHash) => CryptographicOperations.FixedTimeEquals(
        Hash(presented), storedHash);

    /// <summary>Looks like a key this service could have issued (cheap filter before any database work).</summary>
    public static bool IsWellFormed(string key) => key.Length is > PrefixLength and <= 256 && key.StartsWith(KeyPrefix,
        StringComparison.Ordinal);

    public static ApiKeyEntity CreateEntity(string key, string tenantId, string name, DateTime now,
        bool development = false) => new()
    {
        Id = Guid.CreateVersion7(), TenantId = tenantId, Name = name, Prefix = PrefixOf(key), Hash = Hash(key),
            IsDevelopment = development, CreatedAt = now,
    };

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-')
        .Replace('/', '_');
}

internal sealed class ApiKeyEntityConfiguration : IEntityTypeConfiguration<ApiKeyEntity>
{
    public void Configure(EntityTypeBuilder<ApiKeyEntity> b)
    {
        b.ToTable("ApiKeys");
        b.HasKey(k => k.Id);
        b.Property(k => k.TenantId).HasMaxLength(64);
        b.Property(k => k.Name).HasMaxLength(200);
        b.Property(k => k.Prefix).HasMaxLength(ApiKeys.PrefixLength);
        b.Property(k => k.Hash).HasMaxLength(32);
        b.HasIndex(k => k.Prefix);
        b.HasIndex(k => new { k.TenantId, k.CreatedAt });
    }
}
