using System.Net;
using System.Text.Json.Nodes;

namespace Backprop.Api.Tests.Infrastructure;

/// <summary>The OpenAPI document is usable by generators and people: described, typed, with examples that fit their own
/// schemas.</summary>
public sealed class OpenApiDocumentTests
{
    private static async Task<JsonNode> DocumentAsync()
    {
        using var factory = new ApiFactory();
        return await (await factory.CreateAnonymousClient().GetAsync("/openapi/v1.json"))
            .ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task OpenApiDocument_EveryProperty_HasDescription()
    {
        var schemas = (await DocumentAsync())["components"]!["schemas"]!.AsObject();
        var missing = schemas.SelectMany(s => (s.Value!["properties"]?.AsObject() ?? [])
            .Where(p => string.IsNullOrWhiteSpace((string?)p.Value!["description"]))
            .Select(p => $"{s.Key}.{p.Key}")).ToList();
        Assert.True(missing.Count == 0, "Without a description: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task EveryExample_ValidatesAgainstItsOwnSchema_AndRequestsHaveOne()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!.AsObject();
        foreach (var request in new[] { "NetworkDefinition", "TrainingJobRequest", "PredictionRequest",
            "EvaluateModelRequest", "SuggestNetworkRequest" })
            Assert.True(schemas[request]?["examples"] is JsonArray { Count: > 0 }, $"{request} has no example");
        var problems = new List<string>();
        foreach (var (name, schema) in schemas)
            foreach (var example in schema!["examples"]?.AsArray() ?? [])
                Validate(example, schema, schemas, name, problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.DoesNotContain("warmStartModelId", schemas["TrainingJobRequest"]!["examples"]!.ToJsonString());
    }

    [Fact]
    public async Task OpenApiDocument_EnumsTagsAndBearerText_AreTypedOrderedAndIntact()
    {
        var document = await DocumentAsync();
        var activation = document["components"]!["schemas"]!["ActivationKind"]!;
        Assert.Contains("string", activation["type"]!.ToJsonString());
        Assert.Contains("leaky_relu", activation["enum"]!.AsArray().Select(v => (string?)v));
        var tags = document["tags"]!.AsArray().Select(t => (string)t!["name"]!).ToList();
        Assert.Equal(["Networks", "Datasets", "Training jobs", "Models", "Predictions", "Keys"], tags.Take(6));
        Assert.All(document["tags"]!.AsArray(), t =>
            Assert.False(string.IsNullOrWhiteSpace((string?)t!["description"])));
        Assert.Contains("`Authorization: Bearer <key>`",
            (string)document["components"]!["securitySchemes"]!["Bearer"]!["description"]!);
    }

    /// <summary>The parts of JSON Schema the document uses: $ref, oneOf, type, enum, properties, required,
    /// additionalProperties, items.</summary>
    private static void Validate(JsonNode? value, JsonNode schema, JsonObject schemas, string path,
        List<string> problems)
    {
        if (schema["$ref"] is { } reference)
        {
            Validate(value, schemas[((string)reference!).Split('/')[^1]]!, schemas, path, problems);
            return;
        }
        if (schema["oneOf"] is JsonArray alternatives)
        {
            if (!alternatives.Any(a => { var p = new List<string>(); Validate(value, a!, schemas, path,
                p); return p.Count == 0; }))
                problems.Add($"{path}: matches none of oneOf");
            return;
        }
        var types = schema["type"] switch { JsonArray a => a.Select(t => (string)t!).ToList(), JsonValue v =>
            [(string)v!], _ => [] };
        string actual = value switch
        {
            null => "null",
            JsonObject => "object",
            JsonArray => "array",
            JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => "string",
            JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.True
                or System.Text.Json.JsonValueKind.False => "boolean",
            JsonValue v when v.TryGetValue<long>(out _) || (v.TryGetValue<double>(out var d) && d == Math.Floor(d)) =>
                "integer",
            _ => "number",
        };
        if (types.Count > 0 && !types.Contains(actual) && !(actual == "integer" && types.Contains("number")))
            problems.Add($"{path}: {actual} where {string.Join("|", types)} is expected");
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
            problems.Add($"{path}: {value?.ToJsonString()} is not in the enum");
        if (value is JsonObject obj)
        {
            var properties = schema["properties"]?.AsObject();
            foreach (var required in schema["required"]?.AsArray() ?? [])
                if (!obj.ContainsKey((string)required!)) problems.Add($"{path}: required {required} missing");
            foreach (var (key, child) in obj)
            {
                if (properties?[key] is { } property) Validate(child, property, schemas, $"{path}.{key}", problems);
                else if (schema["additionalProperties"] is JsonValue no && !(bool)no) problems.Add(
                    $"{path}: unknown property {key}");
                else if (schema["additionalProperties"] is JsonObject extra) Validate(child, extra, schemas,
                    $"{path}.{key}", problems);
            }
        }
        if (value is JsonArray array && schema["items"] is { } items)
            for (int i = 0; i < array.Count; i++) Validate(array[i], items, schemas, $"{path}[{i}]", problems);
    }
}
