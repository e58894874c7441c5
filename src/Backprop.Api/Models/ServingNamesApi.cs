using System.Text.RegularExpressions;
using Backprop.Api.Data;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Models;

/// <summary>The rules of a model's serving name: the tenant-unique name the Open Inference Protocol resolves besides
/// the model's id.</summary>
public static partial class ServingNames
{
    public const int MaxLength = 64;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Why <paramref name="name"/> cannot be a serving name, or null when it can.</summary>
    public static string? Problem(string? name) =>
        string.IsNullOrEmpty(name) ? "Give a serving name, e.g. \"iris-prod\"."
        : name.Length > MaxLength ? $"A serving name has at most {MaxLength} characters."
        : !Pattern().IsMatch(name) ? "A serving name has lowercase letters, digits, '.', '_' and '-', and starts "
            + "with a letter or a digit."
        // A name in an id's form would shadow or be shadowed by the model of that id.
        : Guid.TryParse(name, out _) ? "A serving name cannot have the form of a model id (a GUID)."
        : null;
}

/// <summary>PUT and DELETE /api/models/{id}/serving-name.</summary>
public static class ServingNamesApi
{
    public static RouteGroupBuilder MapServingNames(this RouteGroupBuilder models)
    {
        models.MapPut("/{id:guid}/serving-name", Set).WithName("SetModelServingName")
            .WithSummary("Name the model for the Open Inference Protocol (/v2/models/{name}); 409 when another of "
                + "the tenant's models holds the name")
            .ProducesProblem(StatusCodes.Status409Conflict);
        models.MapDelete("/{id:guid}/serving-name", Clear).WithName("ClearModelServingName")
            .WithSummary("Remove the model's serving name (the model stays served by its id)");
        return models;
    }

    private static async Task<Results<Ok<ModelResponse>, NotFound, ValidationProblem, ProblemHttpResult>> Set(Guid id,
        ServingNameRequest request, BackpropDbContext db, ICurrentTenant tenant, CancellationToken ct)
    {
        if (ServingNames.Problem(request.ServingName) is { } problem)
            return TypedResults.ValidationProblem(ProblemErrors.Single("servingName", problem).ToDictionary());
        var name = request.ServingName!;
        var model = await db.Set<ModelEntity>().OwnedBy(tenant).SingleOrDefaultAsync(m => m.Id == id, ct);
        if (model is null) return TypedResults.NotFound();
        if (model.ServingName == name) return TypedResults.Ok(model.ToResponse());
        if (await db.Set<ModelEntity>().OwnedBy(tenant).AnyAsync(m => m.ServingName == name && m.Id != id, ct))
            return Taken(name);
        model.ServingName = name;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The unique index on (tenant, serving name): another request took the name after the check.
            return Taken(name);
        }
        return TypedResults.Ok(model.ToResponse());
    }

    private static async Task<Results<NoContent, NotFound>> Clear(Guid id, BackpropDbContext db,
        ICurrentTenant tenant, CancellationToken ct)
    {
        var model = await db.Set<ModelEntity>().OwnedBy(tenant).SingleOrDefaultAsync(m => m.Id == id, ct);
        if (model is null) return TypedResults.NotFound();
        model.ServingName = null;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult Taken(string name) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, title: "Serving name taken",
        detail: $"Another of your models is served as '{name}'; clear its name first "
            + "(DELETE /api/models/{id}/serving-name) or choose another.");
}
