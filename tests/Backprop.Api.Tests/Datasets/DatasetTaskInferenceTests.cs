namespace Backprop.Api.Tests.Datasets;

public sealed class DatasetTaskInferenceTests
{
    private static async Task<System.Text.Json.JsonElement> UploadAsync(string csv,
        string query = "name=t&targetColumn=y")
    {
        using var factory = new ApiFactory();
        return await (await factory.CreateClient().PostCsvAsync(csv, query)).CreatedAsync();
    }

    [Fact]
    public async Task Upload_NonNumericTarget_InfersClassification()
    {
        var body = await UploadAsync("x,y\n1,cat\n2,dog\n3,cat\n");
        Assert.Equal("classification", body.GetProperty("task").GetString());
    }

    [Fact]
    public async Task Upload_FewDistinctIntegerTargets_InfersClassificationKeepingText()
    {
        var body = await UploadAsync("x,y\n1,2\n2,10\n3,2\n4,1\n");
        Assert.Equal("classification", body.GetProperty("task").GetString());
        // All-integer labels are ordered by value, so label "10" is class index 2, not 1.
        Assert.Equal(["1", "2", "10"], body.GetProperty("classes").EnumerateArray().Select(c => c.GetProperty("label")
            .GetString()));
    }

    [Fact]
    public async Task Upload_FractionalTarget_InfersRegressionWithNumericProfile()
    {
        var body = await UploadAsync("x,y\n1,0.5\n2,1.5\n3,2.5\n");
        Assert.Equal("regression", body.GetProperty("task").GetString());
        var target = body.GetProperty("columns")[1];
        Assert.Equal("numeric", target.GetProperty("type").GetString());
        Assert.Equal(1.5, target.GetProperty("mean").GetDouble(), 1e-12);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("classes").ValueKind);
    }

    [Fact]
    public async Task Upload_MoreThanTwentyDistinctIntegers_InfersRegression()
    {
        var csv = "x,y\n" + string.Join("\n", Enumerable.Range(0, 21).Select(i => $"{i},{i * 3}"));
        var body = await UploadAsync(csv);
        Assert.Equal("regression", body.GetProperty("task").GetString());
    }

    [Fact]
    public async Task Upload_ExplicitTask_OverridesInference()
    {
        var body = await UploadAsync("x,y\n1,0\n2,1\n3,0\n", "name=t&targetColumn=y&task=regression");
        Assert.Equal("regression", body.GetProperty("task").GetString());
    }

    [Fact]
    public async Task Upload_RegressionWithNonNumericTarget_Returns400NamingRow()
    {
        using var factory = new ApiFactory();
        var response = await factory.CreateClient().PostCsvAsync("x,y\n1,2.5\n2,tall\n",
            "name=t&targetColumn=y&task=regression");
        await response.RefusedAsync("y", "Row 2, target column 'y': 'tall' is not a number");
    }

    [Fact]
    public async Task Upload_ClassificationWithOneClass_Returns400()
    {
        using var factory = new ApiFactory();
        var response = await factory.CreateClient().PostCsvAsync("x,y\n1,a\n2,a\n", "name=t&targetColumn=y");
        await response.RefusedAsync("y", "at least 2 classes");
    }

    [Fact]
    public async Task Upload_UnknownTask_Returns400()
    {
        using var factory = new ApiFactory();
        var response = await factory.CreateClient().PostCsvAsync("x,y\n1,a\n2,b\n",
            "name=t&targetColumn=y&task=clustering");
        await response.RefusedAsync("task", "'clustering'");
    }
}
