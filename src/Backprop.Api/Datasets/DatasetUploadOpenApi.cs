using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Backprop.Api.Datasets;

/// <summary>
/// Describes the upload's three body formats. The handler reads the body itself, so the formats are documented here
/// rather than with <c>Accepts</c> metadata, whose content-type matching would answer other types with a bare 415
/// before the handler can explain which types it takes.
/// </summary>
internal static class DatasetUploadOpenApi
{
    public static async Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context,
        CancellationToken ct)
    {
        var json = await context.GetOrCreateSchemaAsync(typeof(DatasetJsonUpload), null, ct);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["multipart/form-data"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "file" },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary",
                                Description = "The CSV file, header row first." },
                            ["name"] = Text("Dataset name (defaults to the file name)."),
                            ["targetColumn"] = Text("The column to predict."),
                            ["task"] = Text("classification or regression; inferred when absent."),
                            ["columnTypes"] = Text(ColumnTypesText),
                            ["sampleWeightColumn"] = Text(SampleWeightText),
                        },
                    },
                },
                ["text/csv"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String,
                    Description = "CSV, header row first." } },
                ["application/json"] = new() { Schema = json },
            },
        };
        operation.Parameters ??= [];
        foreach (var (name, description) in new[]
        {
            ("name", "Dataset name (text/csv and multipart)."),
            ("targetColumn", "The column to predict (text/csv and multipart)."),
            ("task", "classification or regression; inferred when absent (text/csv and multipart)."),
            ("columnTypes", ColumnTypesText + " (text/csv and multipart)."),
            ("sampleWeightColumn", SampleWeightText + " (text/csv and multipart)."),
        })
            operation.Parameters.Add(new OpenApiParameter { Name = name, In = ParameterLocation.Query,
                Description = description, Schema = Text(null) });
    }

    private const string ColumnTypesText = "Declared feature types, numeric, categorical or boolean: " +
        "{\"zip\":\"categorical\"} or zip:categorical,age:numeric; "
        + "undeclared columns are inferred";
    private const string SampleWeightText = "A column of per-row loss weights (numbers ≥ 0), taken out of the features";

    private static OpenApiSchema Text(string? description) => new() { Type = JsonSchemaType.String,
        Description = description };
}
