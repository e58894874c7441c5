using Backprop.Api.Datasets;
using Backprop.Api.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Api.Tests.Datasets;

/// <summary>The contract the training jobs rely on: what was uploaded comes back as <see
/// cref="TrainingData"/>.</summary>
public sealed class DatasetLoaderTests
{
    [Fact]
    public async Task Load_UploadedIris_ReturnsClassificationTrainingData()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var id = (await (await client.PostCsvAsync(DatasetTestClient.IrisCsv)).CreatedAsync()).GetProperty("id")
            .GetGuid();
        var (columns, labels) = DatasetTestClient.ReadIris();

        await using var scope = factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(ApiFactory.DefaultTenant);
        var loader = scope.ServiceProvider.GetRequiredService<DatasetLoader>();
        var loaded = await loader.LoadAsync(id, CancellationToken.None);
        var summary = await loader.GetSummaryAsync(id, CancellationToken.None);

        Assert.NotNull(loaded);
        var data = loaded.Data;
        Assert.Equal(TaskKind.Classification, loaded.Task);
        Assert.Equal((120, 4, 3), (data.Rows, data.Width, data.ClassCount));
        Assert.Equal(["0", "1", "2"], loaded.ClassNames);
        Assert.Equal("label", loaded.TargetColumn);
        for (int r = 0; r < data.Rows; r++)
        {
            for (int c = 0; c < 4; c++) Assert.Equal((float)columns[c][r], data.Features[r * 4 + c]);
            Assert.Equal(labels[r], loaded.ClassNames![data.Labels![r]]);
        }
        Assert.NotNull(summary);
        Assert.Equal((TaskKind.Classification, 120, 4, 3), (summary.Task, summary.RowCount, summary.FeatureCount,
            summary.ClassCount));
        Assert.Equal(["x0", "x1", "x2", "x3"], summary.FeatureNames);
    }

    [Fact]
    public async Task Load_RegressionDataset_ReturnsTargetsInRawUnits()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var id = (await (await client.PostCsvAsync("a,b,price\n1,2,10.5\n3,4,20.25\n5,6,-3\n",
            "name=houses&targetColumn=price")).CreatedAsync())
            .GetProperty("id").GetGuid();

        await using var scope = factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(ApiFactory.DefaultTenant);
        var loaded = await scope.ServiceProvider.GetRequiredService<DatasetLoader>()
            .LoadAsync(id, CancellationToken.None);

        Assert.NotNull(loaded);
        Assert.Equal(TaskKind.Regression, loaded.Data.Task);
        Assert.Equal([10.5f, 20.25f, -3f], loaded.Data.Targets!);
        Assert.Equal(["price"], loaded.Data.TargetNames);
        Assert.Null(loaded.ClassNames);
    }

    [Fact]
    public async Task Load_UnknownDataset_ReturnsNull()
    {
        using var factory = new ApiFactory();
        _ = factory.CreateClient();
        await using var scope = factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(ApiFactory.DefaultTenant);
        var loader = scope.ServiceProvider.GetRequiredService<DatasetLoader>();

        Assert.Null(await loader.LoadAsync(Guid.NewGuid(), CancellationToken.None));
        Assert.Null(await loader.GetSummaryAsync(Guid.NewGuid(), CancellationToken.None));
    }

    [Fact]
    public void Codec_EncodedContent_RoundTripsAndRejectsForeignBytes()
    {
        var content = new DatasetContent(TaskKind.Classification, 2, 2, [1f, 2f, 3f, 4f], [1, 0], null, ["a", "b"],
            "y", ["no", "yes"]);

        var decoded = DatasetContentCodec.Decode(DatasetContentCodec.Encode(content));
        var window = DatasetContentCodec.DecodeRows(DatasetContentCodec.Encode(content), 1, 5);

        Assert.Equal(content.Features, decoded.Features);
        Assert.Equal(content.Labels, decoded.Labels);
        Assert.Equal(content.ClassNames, decoded.ClassNames);
        Assert.Equal([3f, 4f], window.Features);
        Assert.Equal(1, window.Rows);
        Assert.Throws<InvalidDataException>(() => DatasetContentCodec.Decode([1, 2, 3, 4, 5, 6, 7]));
    }
}
