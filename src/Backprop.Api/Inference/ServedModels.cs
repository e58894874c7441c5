using Backprop.Api.Data;
using Backprop.Api.Models;
using Backprop.Api.Predictions;
using Backprop.Api.Security;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Inference;

/// <summary>A model as the protocol names it: the name it was asked by, and its only version (the model's
/// id).</summary>
public sealed record ServedModel(Guid Id, string Name, CachedModel Cached)
{
    public string Version => Id.ToString();
    public TrainedModel Model => Cached.Model;
}

/// <summary>Finds the calling tenant's model by the protocol's name and version, through the prediction
/// cache.</summary>
public static class ServedModels
{
    /// <summary>
    /// <paramref name="name"/> is a model's id or its serving name; <paramref name="version"/>, when given, must be the
    /// model's id (a model has one version).
    /// Another tenant's model is not found, exactly like a model that does not exist.
    /// </summary>
    public static async Task<ServedModel> FindAsync(string name, string? version, HttpContext http,
        CancellationToken ct)
    {
        var services = http.RequestServices;
        var tenant = services.GetRequiredService<ICurrentTenant>();
        if (!Guid.TryParse(name, out var id))
        {
            // A serving name is never in a GUID's form, so the two never collide.
            var named = await services.GetRequiredService<BackpropDbContext>().Set<ModelEntity>().OwnedBy(tenant)
                .Where(m => m.ServingName == name).Select(m => (Guid?)m.Id).SingleOrDefaultAsync(ct);
            id = named ?? throw new InferenceException(InferenceFailure.NotFound,
                $"No model is named '{Shorten(name)}'; use a model's id or its serving name.");
        }
        var cached = await ModelLoader.LoadAsync(id, () => services.GetRequiredService<BackpropDbContext>(),
            services.GetRequiredService<ICurrentTenant>(), services.GetRequiredService<ModelCache>(), ct)
            ?? throw new InferenceException(InferenceFailure.NotFound, $"Model '{Shorten(name)}' does not exist.");
        if (!string.IsNullOrEmpty(version) && !(Guid.TryParse(version, out var v) && v == id))
            throw new InferenceException(InferenceFailure.NotFound,
                $"Model '{Shorten(name)}' has no version '{Shorten(version)}'; its only version is {id}.");
        return new ServedModel(id, name, cached);
    }

    /// <summary>A name from the request, cut short so an error message stays short.</summary>
    internal static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 80), "…");
}
