namespace Backprop.Api.Security;

/// <summary>Every stored resource records its tenant.</summary>
public interface ITenantOwned
{
    string TenantId { get; }
}

public static class TenantQueryExtensions
{
    /// <summary>Only the current tenant's rows.</summary>
    public static IQueryable<T> OwnedBy<T>(this IQueryable<T> query, ICurrentTenant tenant) where T : class,
        ITenantOwned =>
        query.Where(e => e.TenantId == tenant.Id);
}
