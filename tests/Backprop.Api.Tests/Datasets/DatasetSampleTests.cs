namespace Backprop.Api.Tests.Datasets;

public sealed class DatasetSampleTests
{
    [Fact]
    public async Task Upload_ReadmeIrisSample_KeepsSpeciesNames()
    {
        using var factory = new ApiFactory();
        var csv = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples", "iris.csv"));

        var body = await (await factory.CreateClient().PostMultipartAsync(csv, false, ("targetColumn", "species")))
            .CreatedAsync();

        Assert.Equal("iris", body.GetProperty("name").GetString());
        Assert.Equal(150, body.GetProperty("rowCount").GetInt32());
        Assert.Equal(
            """[{"label":"setosa","count":50},{"label":"versicolor","count":50},{"label":"virginica","count":50}]""",
            body.GetProperty("classes").GetRawText());
    }
}
