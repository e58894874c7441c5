using System.Net;

namespace Backprop.Api.Tests.Datasets;

/// <summary>Every refusal is a 400 problem naming where the input went wrong, and stores nothing.</summary>
public sealed class DatasetCsvRejectionTests
{
    private static async Task RefusedAsync(string csv, string key, string text,
        string query = "name=bad&targetColumn=label")
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        await (await client.PostCsvAsync(csv, query)).RefusedAsync(key, text);
        Assert.Equal(0, await client.DatasetCountAsync());
    }

    [Fact]
    public Task UploadCsv_RaggedRow_Returns400NamingRowLineAndCellCounts() =>
        RefusedAsync("a,b,label\n1,2,x\n1,2,3,y\n", "row 2",
            "Row 2 (line 3) has 4 cell(s) but the header has 3 columns");

    [Fact]
    public Task UploadCsv_UnterminatedQuote_Returns400() =>
        RefusedAsync("a,b,label\n1,2,x\n3,\"4,y\n5,6,z\n", "file", "Line 3: a quoted field is never closed");

    [Fact]
    public Task UploadCsv_QuoteInsideUnquotedField_Returns400() =>
        RefusedAsync("a,b,label\n1,2,x\n3,4\"5,y\n", "file", "Line 3: a quote inside an unquoted field");

    [Fact]
    public Task UploadCsv_TextAfterClosingQuote_Returns400() =>
        RefusedAsync("a,b,label\n1,\"2\"x,x\n", "file", "Line 2: 'x' after the closing quote");

    [Fact]
    public Task UploadCsv_TextInNumericColumn_Returns400NamingRowAndColumn() =>
        RefusedAsync("a,b,label\n1,2,x\n3,4,y\n5,abc,z\n", "b", "Column 'b' is declared numeric but row 3 holds 'abc'",
            "name=bad&targetColumn=label&columnTypes=b:numeric");

    [Fact]
    public Task UploadCsv_CommaDecimalInNumericColumn_Returns400() =>
        RefusedAsync("a,b,label\n1,\"2,5\",x\n3,4,y\n", "b", "Column 'b' is declared numeric but row 1 holds '2,5'",
            "name=bad&targetColumn=label&columnTypes={\"b\":\"numeric\"}");

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e39")]
    public Task UploadCsv_NonFiniteFeature_Returns400(string value) =>
        RefusedAsync($"a,b,label\n1,2,x\n3,{value},y\n", "b",
            $"Row 2 (line 3), column 'b': '{value}' is not a finite number");

    [Fact]
    public Task UploadCsv_NaNTarget_Returns400() =>
        RefusedAsync("a,label\n1,0.5\n2,NaN\n", "label",
            "Row 2 (line 3), column 'label': 'NaN' is not a finite number");

    [Fact]
    public async Task UploadCsv_MissingTargets_Returns400ListingRowsNotMissingFeatures()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var response = await client.PostCsvAsync("a,b,label\n1,2,x\n,4,y\n5, ,\n", "name=bad&targetColumn=label");

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("The target column 'label' has 1 missing value(s)", detail);
        Assert.Contains("Row 3 (line 4), column 'label' has no value", problem.GetProperty("errors")
            .GetProperty("label")[0].GetString());
        Assert.False(problem.GetProperty("errors").TryGetProperty("a", out _),
            "a missing feature cell is not a problem");
        Assert.Equal(0, await client.DatasetCountAsync());
    }

    [Fact]
    public Task UploadCsv_EmptyFile_Returns400() => RefusedAsync("", "file", "The file is empty");

    [Fact]
    public Task UploadCsv_BlankLinesOnly_Returns400AsEmpty() => RefusedAsync("\n\r\n\n", "file", "The file is empty");

    [Fact]
    public Task UploadCsv_HeaderWithoutRows_Returns400() => RefusedAsync("a,b,label\n", "file",
        "has a header but no data rows");

    [Fact]
    public Task UploadCsv_DuplicateColumnNames_Returns400() =>
        RefusedAsync("a,b,a,label\n1,2,3,x\n", "header",
            "Column name 'a' appears twice in the header (columns 1 and 3)");

    [Fact]
    public Task UploadCsv_DuplicateTargetColumn_Returns400() =>
        RefusedAsync("label,a,label\nx,1,y\n", "header", "Column name 'label' appears twice");

    [Fact]
    public Task UploadCsv_TargetColumnNotInHeader_Returns400WithSuggestion() =>
        RefusedAsync("a,b,Label\n1,2,x\n", "targetColumn",
            "The target column 'label' is not in the header (a, b, Label); did you mean 'Label'?");

    [Fact]
    public Task UploadCsv_TargetColumnNotGiven_Returns400() =>
        RefusedAsync("a,b,label\n1,2,x\n", "targetColumn", "Name the column to predict with targetColumn", "name=bad");

    [Fact]
    public Task UploadCsv_HeaderWithOneColumn_Returns400() => RefusedAsync("label\nx\n", "header",
        "at least two columns");

    [Fact]
    public Task UploadCsv_EmptyColumnName_Returns400() => RefusedAsync("a,,label\n1,2,x\n", "header",
        "Column 2 of the header has no name");

    [Fact]
    public Task UploadCsv_MissingName_Returns400() => RefusedAsync("a,label\n1,x\n2,y\n", "name",
        "Give the dataset a name", "targetColumn=label");
}
