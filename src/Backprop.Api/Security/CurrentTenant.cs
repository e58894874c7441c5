namespace Backprop.Api.Security;

/// <summary>The tenant that owns what a request creates and the only one whose rows it may see.</summary>
public interface ICurrentTenant
{
    /// <summary>Tenant id stored on every row.</summary>
    string Id { get; }
}

/// <summary>
/// The scoped tenant of a request or a background job. Authentication (for requests) or the worker (for a job's scope,
/// from the job row) sets it once, before any query runs. Fails closed: reading it before it is set throws, so a code
/// path that forgot to authenticate can never fall back to some tenant's rows.
/// </summary>
public sealed class TenantContext : ICurrentTenant
{
    private string? _id;

    public string Id => _id ?? throw new InvalidOperationException(
        "No tenant has been set for this scope; authenticate the request or set the job's tenant first.");

    public void Set(string tenantId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        _id = tenantId;
    }
}
