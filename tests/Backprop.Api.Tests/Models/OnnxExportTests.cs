using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Backprop.Api.Tests.Models;

/// <summary>
/// GET /api/models/{id}/onnx, checked by ONNX Runtime: models of every activation, loss and normalisation load without
/// a warning and predict what POST /api/models/{id}/predict predicts, to 1e-5 relative.
/// </summary>
public sealed class OnnxExportTests : IDisposable
{
    private const int Rows = 300;
    // Relative to the larger of the value and its column's mean magnitude: a value near zero (a regression output, a
    // tiny probability) differs by rounding of the terms that cancelled in it, not of itself.
    private const double Tolerance = 1e-5;

    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    /// <summary>A model of one pairing: layers, loss, task, input normalisation (and target normalisation).</summary>
    private sealed record Pairing(LayerSpec[] Layers, LossKind Loss, TaskKind Task, NormalizationKind Normalization,
        double InputDropout = 0, Normalizer? Targets = null);

    private static LayerSpec L(int units, ActivationKind activation) => new(units, activation);
    private const ActivationKind Relu = ActivationKind.Relu;

    private static readonly Dictionary<string, Pairing> Pairings = new()
    {
        ["tanh,sigmoid→softmax cce z_score"] = new(
            [L(12, ActivationKind.Tanh), L(8, ActivationKind.Sigmoid), L(3, ActivationKind.Softmax)],
            LossKind.CategoricalCrossEntropy, TaskKind.Classification, NormalizationKind.ZScore),
        ["relu,leaky_relu→sigmoid bce min_max"] = new(
            [L(10, Relu), L(6, ActivationKind.LeakyRelu) with { Slope = 0.2 }, L(1, ActivationKind.Sigmoid)],
            LossKind.BinaryCrossEntropy, TaskKind.Classification, NormalizationKind.MinMax),
        ["elu,softplus→3 sigmoids bce none"] = new(
            [L(9, ActivationKind.Elu) with { Alpha = 0.7 }, L(7, ActivationKind.Softplus),
                L(3, ActivationKind.Sigmoid)],
            LossKind.BinaryCrossEntropy, TaskKind.Classification, NormalizationKind.None),
        ["identity,relu with dropout→softmax cce z_score"] = new(
            [L(8, ActivationKind.Identity), L(16, Relu) with { Dropout = 0.3 }, L(4, ActivationKind.Softmax)],
            LossKind.CategoricalCrossEntropy, TaskKind.Classification, NormalizationKind.ZScore, InputDropout: 0.2),
        ["leaky_relu→sigmoid mse classification"] = new(
            [L(6, ActivationKind.LeakyRelu), L(1, ActivationKind.Sigmoid)],
            LossKind.MeanSquaredError, TaskKind.Classification, NormalizationKind.ZScore),
        ["relu→identity mse classification"] = new(
            [L(6, ActivationKind.Relu), L(3, ActivationKind.Identity)],
            LossKind.MeanSquaredError, TaskKind.Classification, NormalizationKind.MinMax),
        ["tanh→identity mse regression"] = new(
            [L(10, ActivationKind.Tanh), L(1, ActivationKind.Identity)],
            LossKind.MeanSquaredError, TaskKind.Regression, NormalizationKind.ZScore,
            Targets: new(NormalizationKind.ZScore, [120.5], [35.25])),
        ["softplus,elu→identity huber regression"] = new(
            [L(10, ActivationKind.Softplus), L(5, ActivationKind.Elu), L(2, ActivationKind.Identity)],
            LossKind.Huber, TaskKind.Regression, NormalizationKind.MinMax,
            Targets: new(NormalizationKind.MinMax, [-3, 1000], [2, 500])),
        ["sigmoid→sigmoid mse regression"] = new(
            [L(5, ActivationKind.Sigmoid), L(2, ActivationKind.Sigmoid)],
            LossKind.MeanSquaredError, TaskKind.Regression, NormalizationKind.None),
    };

    public static TheoryData<string> PairingNames => [.. Pairings.Keys];

    [Theory]
    [MemberData(nameof(PairingNames))]
    public async Task Onnx_EveryActivationLossAndNormalisation_PredictsAsThePredictEndpoint(string pairing)
    {
        var (model, features) = Build(Pairings[pairing], seed: (ulong)pairing.Length);
        var id = await ImportAsync(model);
        var onnx = await ExportAsync(id);

        var (session, warnings) = OnnxRuntimeHost.Load(onnx);
        using var _ = session;
        Assert.Empty(warnings);
        Assert.Equal([OnnxInputName], session.InputNames);
        var outputs = OnnxRuntimeHost.Run(session, new Dictionary<string, object> { [OnnxInputName] = features }, Rows);

        var rows = Enumerable.Range(0, Rows).Select(r => features.AsSpan(r * model.Spec.InputWidth,
            model.Spec.InputWidth).ToArray().Select(v => (double)v).ToArray());
        var predicted = await PredictAsync(id, new { rows });
        AssertSamePredictions(model, predicted, outputs, model.CreatePredictor(Rows).Predict(features, Rows));
    }

    private const string OnnxInputName = "features";

    [Fact]
    public async Task Onnx_TabularModel_TakesRawColumnsAndPredictsAsThePredictEndpoint()
    {
        var dataset = await TabularSample.UploadAsync(Client, File.ReadAllText(TabularSample.Path("train.csv")));
        var network = await TabularSample.CreateNetworkAsync(Client, 18, hidden: 8);
        var job = await Client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 5, seed = 1,
            preparation = new { missingIndicators = true } });
        var id = (Guid)job["modelId"]!;
        var rows = TabularSample.Rows("test.csv");
        // Cells the training split never held: unseen levels (all zeros) and a missing workclass.
        rows.Add(["39", "", "52000", "Space-agency", "moon", "true", "no"]);
        rows.Add(["", "40", "", "", "west", "", "no"]);

        var (session, warnings) = OnnxRuntimeHost.Load(await ExportAsync(id));
        using var _ = session;
        Assert.Empty(warnings);
        Assert.Equal(TabularSample.Columns, session.InputNames);
        var inputs = new Dictionary<string, object>();
        for (int c = 0; c < TabularSample.Columns.Length; c++)
        {
            int column = c;
            inputs[TabularSample.Columns[c]] = c is 3 or 4
                ? rows.Select(r => r[column]).ToArray()
                : rows.Select(r => r[column].Length == 0 ? float.NaN : c == 5 ? (r[column] == "true" ? 1f : 0f)
                    : float.Parse(r[column], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }
        var outputs = OnnxRuntimeHost.Run(session, inputs, rows.Count);

        var model = await WeightsAsync(id);
        var predicted = await PredictAsync(id, new { records = rows.Select(TabularSample.Record).ToList() });
        AssertSamePredictions(model, predicted, outputs, core: null);
        Assert.Contains(predicted, p => p!["warnings"] is not null); // the unseen levels were there
    }

    [Fact]
    public async Task Onnx_Download_IsAnOctetStreamFileWithNamesAndDocsInItsMetadata()
    {
        var (model, _) = Build(Pairings["tanh,sigmoid→softmax cce z_score"], seed: 3);
        var id = await ImportAsync(model, name: "iris classifier");
        var response = await Client.GetAsync($"/api/models/{id}/onnx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"iris_classifier-{id:N}.onnx", response.Content.Headers.ContentDisposition?.FileNameStar
            ?? response.Content.Headers.ContentDisposition?.FileName);

        var (session, _) = OnnxRuntimeHost.Load(await response.Content.ReadAsByteArrayAsync());
        using var _s = session;
        var metadata = session.ModelMetadata;
        Assert.Equal("Backprop", metadata.ProducerName);
        Assert.Contains("softmax", metadata.Description, StringComparison.Ordinal);
        var props = metadata.CustomMetadataMap;
        Assert.Equal(id.ToString(), props["backprop.model_id"]);
        Assert.Equal("iris classifier", props["backprop.name"]);
        Assert.Equal("classification", props["task"]);
        Assert.Equal("z_score", props["normalization"]);
        Assert.Equal(model.ClassNames, JsonSerializer.Deserialize<string[]>(props["class_names"]));
        Assert.Equal(model.FeatureNames, JsonSerializer.Deserialize<string[]>(props["feature_names"]));
        Assert.Equal(["label", "probabilities"], session.OutputNames.Order());
        Assert.Equal([-1, 4], session.InputMetadata["features"].Dimensions);
        Assert.Equal([-1, 3], session.OutputMetadata["probabilities"].Dimensions);
    }

    [Fact]
    public async Task Onnx_AModelThatLogsAWarning_IsCaughtByTheLoadCheck()
    {
        // The "no warnings" assertions above are only worth something if a warning is seen: an initializer that no node
        // reads is one.
        var (model, _) = Build(Pairings["tanh→identity mse regression"], seed: 4);
        var onnx = await ExportAsync(await ImportAsync(model));
        var proto = Backprop.Api.Models.Onnx.Proto.ModelProto.Parser.ParseFrom(onnx);
        proto.Graph.Initializer.Add(new Backprop.Api.Models.Onnx.Proto.TensorProto { Name = "unused", DataType = 1,
            FloatData = { 1f }, Dims = { 1 } });
        var (session, warnings) = OnnxRuntimeHost.Load(Google.Protobuf.MessageExtensions.ToByteArray(proto));
        session.Dispose();
        Assert.Contains(warnings, w => w.Contains("unused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Onnx_UnknownOrForeignModel_Returns404()
    {
        var (model, _) = Build(Pairings["relu→identity mse classification"], seed: 5);
        var id = await ImportAsync(model);
        var other = await _factory.CreateTenantClientAsync("tenant-b");
        await (await other.GetAsync($"/api/models/{id}/onnx")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"/api/models/{Guid.NewGuid()}/onnx")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Onnx_RawColumnNamedLikeAnOutput_Returns409NamingIt()
    {
        var (plain, _) = Build(Pairings["relu→identity mse classification"], seed: 6);
        var columns = new[] { "probabilities", "b", "c", "d" }
            .Select(n => new PreparedColumn(n, ColumnKind.Numeric, 0.5, false, [], [], false)).ToList();
        var preparation = new TabularPreparation(columns, new PreparationSettings());
        var model = plain with { Preparation = preparation, FeatureNames = preparation.EncodedNames(),
            ClassNames = ["x", "y", "z"] };
        Assert.Empty(model.Validate());
        var id = await ImportAsync(model);
        // The classification head of this model names its scores "outputs"; a column named "outputs" would clash too.
        var clashing = columns.Skip(1).Prepend(columns[0] with { Name = "outputs" }).ToList();
        var other = model with { Preparation = new TabularPreparation(clashing, new PreparationSettings()) };
        other = other with { FeatureNames = other.Preparation!.EncodedNames() };
        var response = await Client.GetAsync($"/api/models/{await ImportAsync(other)}/onnx");
        var problem = await response.ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("'outputs'", ApiClient.Text(problem), StringComparison.Ordinal);
        await ExportAsync(id); // "probabilities" is free when the head writes "outputs"
    }

    /// <summary>Random weights and biases, and raw features whose columns have their own centre and spread.</summary>
    private static (TrainedModel Model, float[] Features) Build(Pairing pairing, ulong seed)
    {
        const int Inputs = 4;
        var spec = new NetworkSpec(Inputs, pairing.Layers, pairing.Loss, Seed: seed,
            InputDropout: pairing.InputDropout);
        var random = new Random((int)seed);
        var layout = new ParameterLayout(spec);
        var parameters = new float[layout.Count];
        for (int l = 0; l < layout.LayerCount; l++)
        {
            var view = layout[l];
            double limit = 2 / Math.Sqrt(view.Inputs); // wide enough that activations leave their linear range
            for (int i = 0; i < view.WeightCount + view.Units; i++) parameters[view.WeightOffset
                + i] = (float)((random.NextDouble() * 2 - 1) * limit);
        }
        double[] centres = [5, -2, 100, 0.5], spreads = [1.5, 0.25, 30, 0.1];
        var features = new float[Rows * Inputs];
        for (int i = 0; i < features.Length; i++)
            features[i] = (float)(centres[i % Inputs] + spreads[i % Inputs] * (random.NextDouble() * 4 - 2));
        var normalizer = Normalizer.Fit(pairing.Normalization, features, Inputs, [.. Enumerable.Range(0, Rows)]);
        int outputs = spec.OutputWidth;
        var classes = pairing.Task == TaskKind.Classification ? Enumerable.Range(0, outputs == 1 ? 2
            : outputs).Select(c => $"class {c}").ToArray() : null;
        var targets = pairing.Task == TaskKind.Regression ? Enumerable.Range(0, outputs).Select(t
            => $"target {t}").ToArray() : null;
        var model = new TrainedModel(spec, parameters, pairing.Task, normalizer, pairing.Targets, ["sepal length",
            "sepal width", "petal, length", "petal width"],
            classes, targets);
        Assert.Empty(model.Validate());
        return (model, features);
    }

    private async Task<Guid> ImportAsync(TrainedModel model, string name = "onnx")
    {
        var json = $$"""{"name": {{JsonSerializer.Serialize(name)}}, "model": {{ModelSerializer.ToJson(model)}}}""";
        return (Guid)(await (await Client.PostJsonAsync("/api/models/import",
            json)).ExpectAsync(HttpStatusCode.Created))["id"]!;
    }

    private async Task<byte[]> ExportAsync(Guid id)
    {
        var response = await Client.GetAsync($"/api/models/{id}/onnx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private async Task<TrainedModel> WeightsAsync(Guid id) =>
        ModelSerializer.FromJson(await Client.GetStringAsync($"/api/models/{id}/weights"));

    private async Task<JsonArray> PredictAsync(Guid id, object body) =>
        (await (await Client.PostAsJsonAsync($"/api/models/{id}/predict",
            body)).ExpectAsync(HttpStatusCode.OK))["predictions"]!.AsArray();

    private static void AssertSamePredictions(TrainedModel model, JsonArray predicted, Dictionary<string,
        Array> outputs, PredictionBatch? core)
    {
        int rows = predicted.Count;
        if (model.Task == TaskKind.Regression)
        {
            var expected = predicted.Select(p => p!["values"]!.AsArray().Select(v => (float)v!).ToArray()).ToArray();
            AssertClose(expected, (float[])outputs["values"]);
            return;
        }
        var labels = (long[])outputs["label"];
        Assert.Equal(predicted.Select(p => (long)(int)p!["classIndex"]!), labels);
        var classes = model.ClassNames!;
        if (outputs.TryGetValue("probabilities", out var probabilities))
            AssertClose([.. predicted.Select(p => classes.Select(c => (float)p!["probabilities"]![c]!).ToArray())],
                (float[])probabilities);
        else
        {
            // The service reports no probabilities for these outputs: the raw outputs are compared with the predictor
            // behind it.
            Assert.All(predicted, p => Assert.Null(p!["probabilities"]));
            int units = model.Spec.OutputWidth;
            AssertClose([.. Enumerable.Range(0, rows).Select(r => core!.Outputs.AsSpan(r * units, units).ToArray())],
                (float[])outputs["outputs"]);
        }
    }

    private static void AssertClose(float[][] expected, float[] actual)
    {
        int width = expected[0].Length;
        Assert.Equal(expected.Length * width, actual.Length);
        for (int c = 0; c < width; c++)
        {
            double scale = expected.Average(row => Math.Abs(row[c]));
            for (int r = 0; r < expected.Length; r++)
            {
                double e = expected[r][c], a = actual[r * width + c];
                Assert.True(Math.Abs(a - e) <= Tolerance * Math.Max(Math.Abs(e), scale),
                    $"row {r}, column {c}: ONNX {a:R}, predict {e:R}");
            }
        }
    }
}
