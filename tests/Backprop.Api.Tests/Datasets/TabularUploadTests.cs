using System.Text.Json;

namespace Backprop.Api.Tests.Datasets;

/// <summary>Column types at upload: inferred or declared, levels and gaps in the profile, and refusals that name the
/// column and the fix.</summary>
public sealed class TabularUploadTests
{
    private const string Mixed =
        "age,city,member,zip,label\n30,Paris,true,75001,a\n,Lyon,false,69001,b\n41,,TRUE,75001,a\n52,Paris,,13001,b\n";

    private static JsonElement Column(JsonElement dataset, string name) =>
        dataset.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    [Fact]
    public async Task Upload_MixedColumns_InfersTypesAndProfilesLevelsAndGaps()
    {
        using var factory = new ApiFactory();
        var dataset = await (await factory.CreateClient().PostCsvAsync(Mixed, "name=mixed&targetColumn=label"))
            .CreatedAsync();

        var age = Column(dataset, "age");
        Assert.Equal("numeric", age.GetProperty("type").GetString());
        Assert.Equal(1, age.GetProperty("missing").GetInt32());
        Assert.Equal((30 + 41 + 52) / 3.0, age.GetProperty("mean").GetDouble(), 9);
        var city = Column(dataset, "city");
        Assert.Equal("categorical", city.GetProperty("type").GetString());
        Assert.Equal(2, city.GetProperty("levelCount").GetInt32());
        Assert.Equal(1, city.GetProperty("missing").GetInt32());
        Assert.Equal("Paris", city.GetProperty("levels")[0].GetProperty("level").GetString());
        Assert.Equal(2, city.GetProperty("levels")[0].GetProperty("count").GetInt32());
        var member = Column(dataset, "member");
        Assert.Equal("boolean", member.GetProperty("type").GetString());
        Assert.Equal(2 / 3.0, member.GetProperty("mean").GetDouble(), 9);
        // integers stay numeric unless declared
        Assert.Equal("numeric", (Column(dataset, "zip")).GetProperty("type").GetString());
        // age 1, city 2 levels + (missing), member 1, zip 1
        Assert.Equal(6, dataset.GetProperty("encodedWidth").GetInt32());
    }

    [Fact]
    public async Task Upload_ColumnTypesDeclared_MakesIntegersCategoricalAndPreviewsRawCells()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var dataset = await (await client.PostCsvAsync(Mixed,
            "name=mixed&targetColumn=label&columnTypes=zip:categorical")).CreatedAsync();

        var zip = Column(dataset, "zip");
        Assert.Equal("categorical", zip.GetProperty("type").GetString());
        Assert.Equal(["75001", "13001", "69001"], zip.GetProperty("levels").EnumerateArray()
            .Select(l => l.GetProperty("level").GetString()));
        var rows = await (await client.GetAsync($"/api/datasets/{dataset.GetProperty("id")}/rows")).JsonAsync();
        Assert.Equal("""[null,"Lyon",false,"69001","b"]""", rows.GetProperty("rows")[1].GetRawText());
        Assert.Equal("""[52,"Paris",null,"13001","b"]""", rows.GetProperty("rows")[3].GetRawText());
    }

    [Fact]
    public async Task Upload_JsonRecordsWithStringsBooleansAndNulls_AreTyped()
    {
        using var factory = new ApiFactory();
        var dataset = await (await factory.CreateClient().PostJsonAsync("""
            { "name": "records", "targetColumn": "y", "columnTypes": { "code": "categorical" },
              "records": [ { "x": 1.5, "code": 7, "ok": true, "y": "p" },
                           { "x": null, "code": 8, "ok": false, "y": "q" },
                           { "code": 7, "ok": null, "y": "p" } ] }
            """)).CreatedAsync();
        Assert.Equal(2, (Column(dataset, "x")).GetProperty("missing").GetInt32());
        Assert.Equal(["7", "8"], (Column(dataset, "code")).GetProperty("levels").EnumerateArray()
            .Select(l => l.GetProperty("level").GetString()));
        Assert.Equal("boolean", (Column(dataset, "ok")).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Upload_TooManyLevels_IsRefusedNamingTheColumnAndTheFix()
    {
        using var factory = new ApiFactory().With("Datasets:MaxLevelsPerColumn", "3");
        var csv = "id,x,label\na,1,p\nb,2,q\nc,3,p\nd,4,q\n";
        var problem = await (await factory.CreateClient().PostCsvAsync(csv, "name=x&targetColumn=label"))
            .RefusedAsync("id", "Column 'id' has more than 3 distinct values");
        Assert.Contains("drop the column", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Upload_NumericColumnWithOneTypo_PointsAtTheCellWhenItPassesTheLevelLimit()
    {
        using var factory = new ApiFactory().With("Datasets:MaxLevelsPerColumn", "3");
        var csv = "x,label\n1,p\n2,q\n3,p\n4,q\noops,p\n";
        await (await factory.CreateClient().PostCsvAsync(csv, "name=x&targetColumn=label"))
            .RefusedAsync("x", "row 5 holds 'oops': if the column is numeric, fix that cell");
    }

    [Fact]
    public async Task Upload_EncodedWidthOverTheLimit_IsRefusedNamingTheWidestColumn()
    {
        using var factory = new ApiFactory().With("Datasets:MaxEncodedWidth", "4");
        await (await factory.CreateClient().PostCsvAsync(Mixed,
            "name=x&targetColumn=label&columnTypes=zip:categorical"))
            .RefusedAsync("city", "One-hot encoding gives 10 network inputs, more than 4");
    }

    [Theory]
    [InlineData("w\n1\n-2\n1\n1\n", "Row 2 of the sample weight column 'w' is -2; weights must be 0 or more")]
    [InlineData("w\n1\nheavy\n1\n1\n", "The sample weight column 'w' holds 'heavy' in row 2")]
    [InlineData("w\n1\n\n1\n1\n", "Row 2 of the sample weight column 'w' is empty")]
    [InlineData("w\n0\n0\n0\n0\n", "Every weight in the sample weight column 'w' is 0")]
    public async Task Upload_BadSampleWeights_AreRefusedNamingTheColumn(string weights, string message)
    {
        var csv = string.Join("\n", Mixed.Split('\n').Zip(weights.Split('\n')).Select(p => p.First.Length == 0 ? ""
            : p.First + "," + p.Second));
        using var factory = new ApiFactory();
        await (await factory.CreateClient().PostCsvAsync(csv, "name=x&targetColumn=label&sampleWeightColumn=w"))
            .RefusedAsync("w", message);
    }

    [Theory]
    [InlineData("columnTypes=city:boolean", "city",
        "Column 'city' is declared boolean but holds values other than true/false")]
    [InlineData("columnTypes=age:categorical,nope:numeric", "columnTypes.nope",
        "columnTypes names 'nope', which is not a column")]
    [InlineData("columnTypes=age:text", "columnTypes.age", "must be 'numeric', 'categorical' or 'boolean', got 'text'")]
    [InlineData("columnTypes=label:categorical", "columnTypes.label", "'label' is the target column")]
    public async Task Upload_DeclaredTypeThatDoesNotFit_IsRefusedNamingTheColumn(string query, string key,
        string message)
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        await (await client.PostCsvAsync(Mixed, "name=x&targetColumn=label&" + query)).RefusedAsync(key, message);
        Assert.Equal(0, await client.DatasetCountAsync());
    }

    [Fact]
    public async Task Upload_ColumnWithNoValues_IsRefusedNamingIt()
    {
        using var factory = new ApiFactory();
        await (await factory.CreateClient().PostCsvAsync("a,empty,label\n1,,x\n2,,y\n", "name=x&targetColumn=label"))
            .RefusedAsync("empty", "Column 'empty' has no values");
    }

    [Fact]
    public async Task Upload_MultipartWithColumnTypesField_DeclaresTheColumn()
    {
        using var factory = new ApiFactory();
        var dataset = await (await factory.CreateClient().PostMultipartAsync(Mixed, true, ("name", "m"),
            ("targetColumn", "label"), ("columnTypes", "{\"zip\":\"categorical\"}"))
            ).CreatedAsync();
        Assert.Equal("categorical", (Column(dataset, "zip")).GetProperty("type").GetString());
    }
}
