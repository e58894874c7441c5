namespace Backprop.Api.Data;

/// <summary>The tenant that owns what a request creates and the only one whose rows it may see.</summary>
public interface ICurrentTenant
{
    /// <summary>Tenant id stored on every row.</summary>
    string Id { get; }
}

/// <summary>Until API keys exist every request belongs to the single default tenant.</summary>
public sealed class DefaultTenant : ICurrentTenant
{
    public const string DefaultId = "default";
    public string Id => DefaultId;
}
