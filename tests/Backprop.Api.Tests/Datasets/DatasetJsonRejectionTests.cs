namespace Backprop.Api.Tests.Datasets;

/// <summary>JSON uploads are refused with 400 naming the property or JSON path, and store nothing.</summary>
public sealed class DatasetJsonRejectionTests
{
    private static async Task RefusedAsync(string json, string key, string text)
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        await (await client.PostJsonAsync(json)).RefusedAsync(key, text);
        Assert.Equal(0, await client.DatasetCountAsync());
    }

    [Fact]
    public Task UploadJson_UnknownTopLevelProperty_Returns400NamingIt() =>
        RefusedAsync("""{ "name": "x", "features": [[1], [2]], "targets": [0, 1], "labels": [0, 1] }""", "$.labels",
            "Unknown property 'labels'");

    [Fact]
    public Task UploadJson_RecordWithColumnFirstRecordLacks_Returns400NamingIt() =>
        RefusedAsync(
            """{ "name": "x", "targetColumn": "y", "records": [{ "a": 1, "y": "p" }, { "a": 2, "y": "q", "b": 3 }] }""",
            "$.records[1].b", "$.records[1] has property 'b', which the first record does not have");

    [Fact]
    public Task UploadJson_FeatureNamesAfterRowsOfAnotherWidth_Returns400() =>
        RefusedAsync("""{ "features": [[1, 2], [3, 4]], "targets": [0, 1], "featureNames": ["a"], "name": "x" }""",
            "$.features[0]", "$.features[0] has 2 value(s) but featureNames has 1");

    [Fact]
    public Task UploadJson_ClassNamesAfterRecordsWithClassIndices_Returns400AskingForThemFirst() =>
        RefusedAsync("""
            { "name": "x", "targetColumn": "y", "records": [{ "a": 1, "y": 0 }, { "a": 2, "y": 1 }],
              "classNames": ["p", "q"] }
            """, "$.classNames", "Send 'classNames' before 'records'");

    [Fact]
    public Task UploadJson_NaNLiteral_Returns400AsInvalidJson() =>
        RefusedAsync("""{ "name": "x", "features": [[1], [NaN]], "targets": [0, 1] }""", "$",
            "The body is not valid JSON");

    [Fact]
    public Task UploadJson_NaNStringFeature_Returns400NamingPath() =>
        RefusedAsync("""{ "name": "x", "features": [[1, 2], [3, "NaN"]], "targets": [0, 1] }""", "$.features[1][1]",
            "$.features[1][1]: 'NaN' is not a finite number");

    [Fact]
    public Task UploadJson_InfinityStringTarget_Returns400() =>
        RefusedAsync("""{ "name": "x", "features": [[1], [2]], "targets": [0.5, "Infinity"] }""", "$.targets[1]",
            "'Infinity' is not a finite number");

    [Fact]
    public Task UploadJson_NumberBeyondFloat32Range_Returns400() =>
        RefusedAsync("""{ "name": "x", "features": [[1], [1e39]], "targets": [0, 1] }""", "$.features[1][0]",
            "'1e39' is not a finite number");

    [Fact]
    public Task UploadJson_ArrayFeatureValue_Returns400() =>
        RefusedAsync(
            """{ "name": "x", "targetColumn": "y", "records": [{ "a": [1], "y": "p" }, { "a": 2, "y": "q" }] }""",
            "$.records[0].a", "a array is not a cell value");

    [Fact]
    public Task UploadJson_BooleanInNumericColumn_Returns400NamingColumn() =>
        RefusedAsync("""{ "name": "x", "targetColumn": "y", "columnTypes": {"a": "numeric"}, "records": [{ "a": """ +
            """true, "y": "p" }, { "a": 2, "y": "q" }] }""",
            "a", "Column 'a' is declared numeric but row 1 holds 'true'");

    [Fact]
    public async Task UploadJson_RecordWithoutTarget_Returns400AsMissingValue()
    {
        using var factory = new ApiFactory();
        var response = await factory.CreateClient()
            .PostJsonAsync("""{ "name": "x", "targetColumn": "y", "records": [{ "a": 1, "y": "p" }, { "a": 2 }] }""");

        var problem = await response.ProblemAsync(System.Net.HttpStatusCode.BadRequest);
        Assert.Contains("1 missing value(s)", problem.GetProperty("detail").GetString());
        Assert.Equal("$.records[1].y has no value (a missing value).", problem.GetProperty("errors")
            .GetProperty("$.records[1].y")[0].GetString());
    }

    [Fact]
    public Task UploadJson_RaggedFeatureRows_Returns400() =>
        RefusedAsync("""{ "name": "x", "features": [[1, 2], [3]], "targets": [0, 1] }""", "$.features[1]",
            "$.features[1] has 1 value(s) but the first row has 2");

    [Fact]
    public Task UploadJson_TargetCountNotRowCount_Returns400() =>
        RefusedAsync("""{ "name": "x", "features": [[1], [2]], "targets": [0, 1, 1] }""", "$.targets",
            "$.targets has 3 value(s) but $.features has 2 row(s)");

    [Fact]
    public Task UploadJson_Truncated_Returns400() =>
        RefusedAsync("""{ "name": "x", "features": [[1], [2]], "targ""", "$", "The body is not valid JSON");

    [Fact]
    public Task UploadJson_RecordsAndFeatures_Returns400() =>
        RefusedAsync("""{ "name": "x", "targetColumn": "y", "records": [{ "a": 1, "y": 0 }], "features": """ +
            """[[1]], "targets": [0] }""", "$", "not both");

    [Fact]
    public Task UploadJson_TargetColumnNotInRecords_Returns400() =>
        RefusedAsync("""{ "name": "x", "targetColumn": "species", "records": [{ "a": 1, "y": "p" }] }""",
            "$.targetColumn", "The target column 'species' is not a property of the first record (a, y)");

    [Fact]
    public Task UploadJson_DuplicateFeatureNames_Returns400() =>
        RefusedAsync(
            """{ "name": "x", "featureNames": ["a", "a"], "features": [[1, 2], [3, 4]], "targets": [0, 1] }""",
                "$.featureNames",
            "Column name 'a' is used twice");

    [Fact]
    public Task UploadJson_ClassIndexOutsideClassNames_Returns400() =>
        RefusedAsync("""{ "name": "x", "classNames": ["a", "b"], "features": [[1], [2]], "targets": [0, 2] }""",
            "$.targets[1]", "2 is not a class index 0..1");

    [Fact]
    public Task UploadJson_BodyNotAnObject_Returns400() => RefusedAsync("[1, 2, 3]", "$", "must be a JSON object");
}
