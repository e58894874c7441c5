using System.Net;

namespace Backprop.Api.Tests.Models;

/// <summary>An imported model must be consistent with itself and able to predict; otherwise 400 naming the
/// field.</summary>
public sealed class ModelImportConsistencyTests : IDisposable
{
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    private static string Model(string format = "\"backprop-model\"", string task = "classification",
        string activation = "softmax",
        string loss = "categorical_cross_entropy", string weight = "0.5", string featureNames = "[\"a\", \"b\"]") =>
            $$"""
        {"model": {"format": {{format}}, "version": 1, "task": "{{task}}",
         "spec": {"inputWidth": 2, "loss": "{{loss}}", "layers": [{"units": 2, "activation": "{{activation}}"}]},
         "layers": [{"weights": [[{{weight}}, {{weight}}], [-{{weight}}, {{weight}}]], "biases": [0, 0]}],
         "featureNames": {{featureNames}}, "classNames": ["no", "yes"]} }
        """;

    [Theory]
    [InlineData("format", "\"other\"", "format: expected")]
    [InlineData("featureNames", "[\"a\", \"a\"]", "'a' appears more than once")]
    [InlineData("task", "regression", "task regression does not match a softmax output")]
    [InlineData("weight", "3e38", "outputs are not finite")]
    public async Task Import_Inconsistent_Returns400NamingTheProblem(string field, string value, string expected)
    {
        var body = field switch
        {
            "format" => Model(format: value),
            "featureNames" => Model(featureNames: value),
            "task" => Model(task: value),
            _ => Model(weight: value),
        };
        var problem = await (await Client.PostJsonAsync("/api/models/import", body))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(expected, ApiClient.Text(problem));
        Assert.Equal(0, (int)(await (await Client.GetAsync("/api/models"))
            .ExpectAsync(HttpStatusCode.OK))["totalCount"]!);
    }

    [Fact]
    public async Task Import_Consistent_IsCreated() =>
        await (await Client.PostJsonAsync("/api/models/import", Model())).ExpectAsync(HttpStatusCode.Created);

    [Fact]
    public async Task Import_WithADuplicateProperty_Returns400()
    {
        var body = Model().Replace("\"task\": \"classification\"",
            "\"task\": \"classification\", \"task\": \"regression\"", StringComparison.Ordinal);
        await (await Client.PostJsonAsync("/api/models/import", body)).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }
}
