namespace Backprop.Api.Data;

/// <summary>The tenant that owns what a request creates and the only one whose rows it may see.</summary>
public interface ICurrentTenant
{
    /// <summary>Tenant id stored on every row.</summary>
    string Id { get; }
}

/// <summary>
/// The scoped tenant of a request or a background job. Starts as the default tenant; authentication (for requests)
/// or the worker (for a job's scope, from the job row) sets it once, before any query runs.
/// </summary>
public sealed class TenantContext : ICurrentTenant
{
    public const string DefaultId = "default";

    public string Id { get; private set; } = DefaultId;

    public void Set(string tenantId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        Id = tenantId;
    }
}
