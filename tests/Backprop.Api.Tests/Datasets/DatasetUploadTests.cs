namespace Backprop.Api.Tests.Datasets;

public sealed class DatasetUploadTests
{
    [Fact]
    public async Task Upload_IrisAsMultipartCsv_ReturnsCreatedWithProfile()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        var response = await client.PostMultipartAsync(DatasetTestClient.IrisCsv, false, ("name", "iris"),
            ("targetColumn", "label"));

        var body = await response.CreatedAsync();
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/api/datasets/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("iris", body.GetProperty("name").GetString());
        Assert.Equal("classification", body.GetProperty("task").GetString());
        Assert.Equal(120, body.GetProperty("rowCount").GetInt32());
        Assert.Equal(4, body.GetProperty("featureCount").GetInt32());
        Assert.Equal(["x0", "x1", "x2", "x3", "label"], body.GetProperty("columns").EnumerateArray()
            .Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Upload_IrisAsCsvBody_ReturnsCreatedAndGetReturnsSameProfile()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        var created = await (await client.PostCsvAsync(DatasetTestClient.IrisCsv)).CreatedAsync();
        var fetched = await (await client.GetAsync($"/api/datasets/{created.GetProperty("id").GetGuid()}")).JsonAsync();

        Assert.Equal(120, fetched.GetProperty("rowCount").GetInt32());
        Assert.Equal(created.GetProperty("columns").ToString(), fetched.GetProperty("columns").ToString());
        Assert.Equal(created.GetProperty("classes").ToString(), fetched.GetProperty("classes").ToString());
    }

    [Fact]
    public async Task Profile_OfUpload_MatchesStatisticsComputedFromFile()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var (columns, labels) = DatasetTestClient.ReadIris();

        var body = await (await client.PostCsvAsync(DatasetTestClient.IrisCsv)).CreatedAsync();

        var profiles = body.GetProperty("columns").EnumerateArray().ToArray();
        for (int c = 0; c < 4; c++)
        {
            double mean = columns[c].Average();
            double std = Math.Sqrt(columns[c].Sum(v => (v - mean) * (v - mean)) / columns[c].Length); // population
            var p = profiles[c];
            Assert.Equal("feature", p.GetProperty("role").GetString());
            Assert.Equal("numeric", p.GetProperty("type").GetString());
            Assert.Equal(mean, p.GetProperty("mean").GetDouble(), 1e-9);
            Assert.Equal(std, p.GetProperty("std").GetDouble(), 1e-9);
            Assert.Equal(columns[c].Min(), p.GetProperty("min").GetDouble(), 1e-6);
            Assert.Equal(columns[c].Max(), p.GetProperty("max").GetDouble(), 1e-6);
            Assert.Equal(0, p.GetProperty("missing").GetInt32());
        }
        Assert.Equal("categorical", profiles[4].GetProperty("type").GetString());
        Assert.Equal("target", profiles[4].GetProperty("role").GetString());
        var classes = body.GetProperty("classes").EnumerateArray().Select(c => (c.GetProperty("label").GetString(),
            c.GetProperty("count").GetInt32()));
        var expected = labels.GroupBy(l => l).OrderBy(g => g.Key).Select(g => ((string?)g.Key, g.Count()));
        Assert.Equal(expected, classes);
        Assert.Equal(3, body.GetProperty("classCount").GetInt32());
    }

    [Fact]
    public async Task Upload_MultipartFileBeforeTargetColumnField_IsRead()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        var response = await client.PostMultipartAsync(DatasetTestClient.IrisCsv, true, ("targetColumn", "label"),
            ("task", "classification"));

        var body = await response.CreatedAsync();
        Assert.Equal("iris", body.GetProperty("name").GetString()); // from the file name
        Assert.Equal(120, body.GetProperty("rowCount").GetInt32());
    }

    [Fact]
    public async Task Upload_JsonRowsWithStringTargets_StoresOrdinallySortedClasses()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        var response = await client.PostJsonAsync("""
            { "name": "tiny", "featureNames": ["a", "b"], "features": [[1, 2], [3, 4], [5, 6], [7, 8]],
              "targets": ["yes", "no", "yes", "No"] }
            """);

        var body = await response.CreatedAsync();
        Assert.Equal("classification", body.GetProperty("task").GetString());
        Assert.Equal("target", body.GetProperty("targetColumn").GetString());
        Assert.Equal(["No", "no", "yes"], body.GetProperty("classes").EnumerateArray()
            .Select(c => c.GetProperty("label").GetString()));
        Assert.Equal(4.0, body.GetProperty("columns")[0].GetProperty("mean").GetDouble(), 1e-12);
    }

    [Fact]
    public async Task Upload_JsonRecordsInAnyKeyOrder_UsesTargetColumn()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        var response = await client.PostJsonAsync("""
            { "name": "flowers", "targetColumn": "species", "records": [
                { "sepal_length": 5.1, "petal_length": 1.4, "species": "setosa" },
                { "species": "versicolor", "petal_length": 4.7, "sepal_length": 7.0 },
                { "sepal_length": 6.3, "species": "virginica", "petal_length": 6.0 } ] }
            """);

        var body = await response.CreatedAsync();
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal(["sepal_length", "petal_length", "species"], body.GetProperty("columns").EnumerateArray()
            .Select(c => c.GetProperty("name").GetString()));
        var rows = await (await client.GetAsync($"/api/datasets/{id}/rows")).JsonAsync();
        Assert.Equal("[7,4.7,\"versicolor\"]", rows.GetProperty("rows")[1].GetRawText());
    }

    [Fact]
    public async Task Upload_JsonIntegerTargetsWithClassNames_IndexTheNames()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        var response = await client.PostJsonAsync("""
            { "name": "named", "classNames": ["zebra", "ant"], "features": [[0.5], [1.5], [2.5]], "targets": [1, 0, 1] }
            """);

        var body = await response.CreatedAsync();
        Assert.Equal("[{\"label\":\"zebra\",\"count\":1},{\"label\":\"ant\",\"count\":2}]", body.GetProperty("classes")
            .GetRawText());
    }

    [Fact]
    public async Task Upload_JsonNamesAndClassNamesAfterTheRows_AreAppliedToThem()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        // The rows stream in before the names: the names and the class indices are applied at the end.
        var response = await client.PostJsonAsync("""
            { "features": [[0.5, 1], [1.5, 2], [2.5, 3]], "targets": [1, 0, 1], "featureNames": ["a", "b"],
              "classNames": ["zebra", "ant"], "targetColumn": "kind", "name": "late" }
            """);

        var body = await response.CreatedAsync();
        Assert.Equal("late", body.GetProperty("name").GetString());
        Assert.Equal(["a", "b", "kind"], body.GetProperty("columns").EnumerateArray()
            .Select(c => c.GetProperty("name").GetString()));
        Assert.Equal("[{\"label\":\"zebra\",\"count\":1},{\"label\":\"ant\",\"count\":2}]", body.GetProperty("classes")
            .GetRawText());
    }

    [Fact]
    public async Task Upload_QuotedCsvFieldsWithCommasQuotesAndCrlf_AreRead()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var csv = "\"size, cm\",weight,\"kind\"\r\n1.5,\"2\",\"big, \"\"red\"\"\"\r\n2.5,3,small\r\n\r\n";

        var response = await client.PostCsvAsync(csv, "name=quoted&targetColumn=kind");

        var body = await response.CreatedAsync();
        Assert.Equal(2, body.GetProperty("rowCount").GetInt32());
        Assert.Equal("size, cm", body.GetProperty("columns")[0].GetProperty("name").GetString());
        Assert.Equal(["big, \"red\"", "small"], body.GetProperty("classes").EnumerateArray()
            .Select(c => c.GetProperty("label").GetString()));
    }

    [Fact]
    public async Task Upload_ByteOrderMarkBeforeHeader_IsIgnored()
    {
        using var factory = new ApiFactory();
        var content = new ByteArrayContent([.. "\uFEFFa,y\n1,p\n2,q\n"u8]);
        content.Headers.ContentType = new("text/csv");

        var response = await factory.CreateClient().PostAsync("/api/datasets?name=bom&targetColumn=y", content);

        var body = await response.CreatedAsync();
        Assert.Equal("a", body.GetProperty("columns")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Upload_NumbersWithExponentsAndSpaces_AreReadCultureInvariantly()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        var response = await client.PostCsvAsync("a,y\n 1e3 ,0.5\n-2.5E-1,1.5\n", "name=numbers&targetColumn=y");

        var body = await response.CreatedAsync();
        var a = body.GetProperty("columns")[0];
        Assert.Equal(1000, a.GetProperty("max").GetDouble());
        Assert.Equal(-0.25, a.GetProperty("min").GetDouble());
    }

    [Fact]
    public async Task Profile_ConstantColumnsScalesAndImbalance_AreWarnedAbout()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var rows = Enumerable.Range(0, 24).Select(i => $"7,{i * 1000},{i * 0.001},{(i < 22 ? "common" : "rare")}");
        var csv = "flat,huge,tiny,kind\n" + string.Join("\n", rows);

        var body = await (await client.PostCsvAsync(csv, "name=warnings&targetColumn=kind")).CreatedAsync();

        var warnings = body.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToArray();
        Assert.Contains(warnings, w => w.Contains("'flat' is constant"));
        Assert.Contains(warnings, w => w.Contains("very different scales") && w.Contains("'huge'")
            && w.Contains("'tiny'"));
        Assert.Contains(warnings, w => w.Contains("class imbalance") && w.Contains("'common' has 22")
            && w.Contains("'rare' 2"));
    }

    [Fact]
    public async Task Upload_InOpenApiDocument_IsDescribed()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();

        var document = await (await client.GetAsync("/openapi/v1.json")).JsonAsync();

        var post = document.GetProperty("paths").GetProperty("/api/datasets").GetProperty("post");
        Assert.Equal("UploadDataset", post.GetProperty("operationId").GetString());
        Assert.Equal("Datasets", post.GetProperty("tags")[0].GetString());
        Assert.Contains("at most 20 distinct integer values", post.GetProperty("description").GetString());
        var content = post.GetProperty("requestBody").GetProperty("content");
        Assert.True(content.TryGetProperty("application/json", out _), content.ToString());
    }
}
