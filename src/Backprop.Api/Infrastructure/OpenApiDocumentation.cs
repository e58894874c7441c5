using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Backprop.Api.Infrastructure;

/// <summary>
/// What the generated OpenAPI document needs for client generators and people: enums as typed string enums, a
/// description on every property, request examples that run as they are, and tags described in the order of the
/// workflow.
/// </summary>
internal static class OpenApiDocumentation
{
    /// <summary>Tags in workflow order, with what each covers.</summary>
    private static readonly (string Name, string Description)[] Tags =
    [
        ("Networks", "Step 1: define a multilayer perceptron (layers, activations, loss, initialisation, seed), " +
            "or let POST /api/networks/suggest propose one for a dataset."),
        ("Datasets", "Step 2: upload a CSV or JSON dataset (features and a target column); the response profiles it."),
        ("Training jobs", "Step 3: train a network on a dataset in the background; poll the job, " +
            "read its per-epoch history, cancel or continue it."),
        ("Models", "Step 4: the trained (or imported) models: architecture, normalisation, metrics, lineage, " +
            "weights export and evaluation on a test set."),
        ("Predictions", "Step 5: predict rows in the dataset's raw units with a model."),
        ("Keys", "Who the calling API key belongs to."),
        ("Admin", "The admin key creates, lists and revokes tenant keys."),
        ("Health", "Liveness and readiness, without a key."),
    ];

    /// <summary>Request examples: complete for what needs no id; ids only where the request cannot run without one
    /// (from the previous step).</summary>
    private static readonly Dictionary<Type, Func<JsonNode>> Examples = new()
    {
        [typeof(Networks.NetworkDefinition)] = () => new JsonObject
        {
            ["name"] = "iris-mlp", ["inputWidth"] = 4,
            ["layers"] = new JsonArray(new JsonObject { ["units"] = 16, ["activation"] = "relu" },
                new JsonObject { ["units"] = 3, ["activation"] = "softmax" }),
            ["loss"] = "categorical_cross_entropy", ["seed"] = 42,
        },
        [typeof(Networks.LayerDefinition)] = () => new JsonObject { ["units"] = 16, ["activation"] = "relu" },
        [typeof(Networks.SuggestNetworkRequest)] = () => new JsonObject { ["datasetId"] = ExampleDatasetId },
        [typeof(Networks.GradientCheckRequest)] = () => new JsonObject { ["datasetId"] = ExampleDatasetId,
            ["rows"] = 4 },
        [typeof(Jobs.TrainingJobRequest)] = () => new JsonObject { ["networkId"] = ExampleNetworkId,
            ["datasetId"] = ExampleDatasetId },
        [typeof(Jobs.OptimizerRequest)] = () => new JsonObject { ["kind"] = "adam", ["learningRate"] = 0.001 },
        [typeof(Jobs.ScheduleRequest)] = () => new JsonObject { ["kind"] = "cosine", ["minLearningRate"] = 0.0001 },
        [typeof(Jobs.EarlyStoppingRequest)] = () => new JsonObject { ["monitor"] = "validation_loss",
            ["patience"] = 10 },
        [typeof(Jobs.ContinueTrainingRequest)] = () => new JsonObject { ["epochs"] = 50 },
        [typeof(Models.EvaluateModelRequest)] = () => new JsonObject { ["datasetId"] = ExampleDatasetId },
        [typeof(Predictions.PredictionRequest)] = () => new JsonObject
        {
            ["records"] = new JsonArray(new JsonObject { ["sepal_length"] = 5.1, ["sepal_width"] = 3.5,
                ["petal_length"] = 1.4, ["petal_width"] = 0.2 }),
        },
        [typeof(Security.CreateApiKeyRequest)] = () => new JsonObject { ["tenant"] = "acme", ["name"] = "ci" },
    };

    /// <summary>Ids in examples stand for the ones the previous steps return (the iris walkthrough's network and
    /// dataset).</summary>
    private const string ExampleNetworkId = "0195f2a4-7c1e-7d3a-9b2f-4c8e1a6d5b30";
    private const string ExampleDatasetId = "0195f2a4-8d2f-7e4b-8c3a-5d9f2b7e6c41";

    public static OpenApiOptions AddDocumentation(this OpenApiOptions options)
    {
        options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = context.JsonTypeInfo.Type;
            var underlying = Nullable.GetUnderlyingType(type) ?? type;
            if (underlying.IsEnum)
            {
                var names = Enum.GetValues(underlying).Cast<Enum>().Select(JsonNames.Of).ToList();
                schema.Type = underlying == type ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
                schema.Enum = names.Select(n => (JsonNode)JsonValue.Create(n)!).ToList();
                schema.Description ??= "One of " + string.Join(", ", names) + ".";
            }
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            var used = document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? [])
                .SelectMany(o => o.Tags?.AsEnumerable() ?? [])
                .Select(t => t.Name).ToHashSet();
            document.Tags = new HashSet<OpenApiTag>(Tags.Where(t => used.Contains(t.Name))
                .Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
            // Component schemas are final here: properties that became $refs keep the description given to them.
            foreach (var (schemaName, component) in document.Components?.Schemas ?? new Dictionary<string,
                IOpenApiSchema>())
            {
                if (component is not OpenApiSchema schema) continue;
                if (Examples.FirstOrDefault(e => e.Key.Name == schemaName).Value is { } example) schema.Examples =
                    [example()];
                foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
                    if (Missing(property) && (FromAlternatives(property) ?? PropertyDescriptions.For(schemaName,
                        name)) is { } text)
                        Describe(property, text);
            }
            return Task.CompletedTask;
        });
        return options;
    }

    /// <summary>A nullable reference is a oneOf of null and the $ref: its description sits on the $ref.</summary>
    private static string? FromAlternatives(IOpenApiSchema property) =>
        (property.OneOf ?? property.AnyOf ?? property.AllOf)?.Select(s => s.Description)
            .FirstOrDefault(d => !string.IsNullOrEmpty(d));

    /// <summary>A $ref's Description reads through to its target; only its own (a sibling of $ref) describes the
    /// property.</summary>
    private static bool Missing(IOpenApiSchema property) =>
        property is OpenApiSchemaReference r ? string.IsNullOrEmpty(r.Reference.Description)
            : string.IsNullOrEmpty(property.Description);

    private static void Describe(IOpenApiSchema property, string text)
    {
        switch (property)
        {
            case OpenApiSchema s: s.Description = text; break;
            case OpenApiSchemaReference r: r.Description = text; break;
        }
    }
}
