using System.Text.Json;
using System.Text.Json.Serialization;

namespace Backprop.Api.Inference;

/// <summary>An inference request of the Open Inference Protocol (POST /v2/models/{name}/infer).</summary>
/// <param name="Id">Any text; the response carries it back.</param>
/// <param name="Parameters">Name/value pairs (string, number or boolean); "binary_data_output": true asks for every
/// output as binary tensor data; none other changes Backprop's inference.</param>
/// <param name="Inputs">The input tensors, e.g. [{"name": "input", "datatype": "FP32", "shape": [2, 4], "data": [5.1,
/// 3.5, 1.4, 0.2, 6.2, 2.9, 4.3, 1.3]}].</param>
/// <param name="Outputs">The outputs wanted, e.g. [{"name": "label"}]; all of the model's when absent.</param>
public sealed record InferenceRequestBody(string? Id, Dictionary<string, JsonElement>? Parameters,
    IReadOnlyList<InferenceInputBody>? Inputs,
    IReadOnlyList<InferenceRequestedOutputBody>? Outputs);

/// <summary>An input tensor.</summary>
/// <param name="Name">The model's input name (GET /v2/models/{name} lists them): "input", or a raw column's
/// name.</param>
/// <param name="Shape">e.g. [rows, features].</param>
/// <param name="Datatype">FP32 or FP64 for numbers (read as single precision, as /api/models/{id}/predict reads them);
/// BYTES or BOOL for raw columns.</param>
/// <param name="Parameters">Name/value pairs; "binary_data_size": the bytes of this input's raw elements after the
/// JSON header of a binary request (then without "data").</param>
/// <param name="Data">The elements in row-major order, flat ([1, 2, 3, 4]) or nested ([[1, 2], [3, 4]]).</param>
public sealed record InferenceInputBody(string? Name, long[]? Shape, string? Datatype, Dictionary<string,
    JsonElement>? Parameters, TensorData? Data);

/// <summary>An output wanted in the response.</summary>
/// <param name="Name">probabilities, label (classification) or values (regression).</param>
/// <param name="Parameters">Name/value pairs; "binary_data": true returns this output as binary tensor data.</param>
public sealed record InferenceRequestedOutputBody(string? Name, Dictionary<string, JsonElement>? Parameters);

/// <summary>An inference response.</summary>
/// <param name="ModelName">The name the request used.</param>
/// <param name="ModelVersion">The model's version: its id.</param>
/// <param name="Id">The request's id, when it gave one.</param>
/// <param name="Parameters">"warnings": what a model's preparation could not use in raw columns (a level never seen in
/// training), when anything.</param>
/// <param name="Outputs">The output tensors, in the order requested.</param>
public sealed record InferenceResponseBody(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string,
        string>? Parameters,
    IReadOnlyList<InferenceOutputBody> Outputs);

/// <summary>An output tensor.</summary>
/// <param name="Name">probabilities (FP32 [rows, classes]), label (INT64 [rows], the class index) or values (FP32
/// [rows, targets], raw units).</param>
/// <param name="Datatype">FP32 or INT64.</param>
/// <param name="Shape">e.g. [rows, classes].</param>
/// <param name="Data">The elements, flat and row-major: single-precision numbers written as the shortest text that
/// reads back to the same value; a regression value that is not finite is null. Absent for a binary output.</param>
/// <param name="Parameters">For a binary output (binary tensor data extension), "binary_data_size": its bytes after the
/// JSON header.</param>
public sealed record InferenceOutputBody(string Name, string Datatype, long[] Shape,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Data,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string,
        long>? Parameters = null);

/// <summary>The protocol's error form.</summary>
/// <param name="Error">What went wrong.</param>
public sealed record InferenceErrorBody(string Error);

/// <summary>GET /v2/health/live.</summary>
/// <param name="Live">True: the server answers.</param>
public sealed record LiveBody(bool Live);

/// <summary>GET /v2/health/ready.</summary>
/// <param name="Ready">True when the database answers; false (with 400) when not.</param>
public sealed record ReadyBody(bool Ready);

/// <summary>GET /v2/models/{name}/ready.</summary>
/// <param name="Name">The name the request used.</param>
/// <param name="Ready">True: the model can be used for inference.</param>
public sealed record ModelReadyBody(string Name, bool Ready);

/// <summary>GET /v2: the server's metadata.</summary>
/// <param name="Name">backprop.</param>
/// <param name="Version">The service's version.</param>
/// <param name="Extensions">Protocol extensions supported: binary_tensor_data.</param>
public sealed record ServerMetadataBody(string Name, string Version, IReadOnlyList<string> Extensions);

/// <summary>GET /v2/models/{name}: a model's metadata.</summary>
/// <param name="Name">The name the request used.</param>
/// <param name="Versions">The model's only version, its id.</param>
/// <param name="Platform">backprop_mlp.</param>
/// <param name="Inputs">"input" FP32 [-1, features]; or, for a model that prepares raw columns, one tensor per
/// column.</param>
/// <param name="Outputs">probabilities and label (classification) or values (regression).</param>
public sealed record ModelMetadataBody(string Name, IReadOnlyList<string> Versions, string Platform,
    IReadOnlyList<TensorMetadata> Inputs,
    IReadOnlyList<TensorMetadata> Outputs);

/// <summary>
/// A tensor's "data": nested JSON arrays read flat. Numbers are kept as doubles (read as /api/models/{id}/predict reads
/// them);
/// once a string, boolean or null appears, every element is kept as a JSON cell (a raw column).
/// </summary>
[JsonConverter(typeof(TensorDataConverter))]
public sealed class TensorData(TensorElements elements)
{
    public TensorElements Elements { get; } = elements;
}

internal sealed class TensorDataConverter : JsonConverter<TensorData>
{
    public override TensorData Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException("'data' must be an array of the tensor's elements.");
        var numbers = new double[64];
        int count = 0, depth = 1;
        List<JsonElement>? cells = null;
        while (depth > 0 && reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray: depth++; break;
                case JsonTokenType.EndArray: depth--; break;
                case JsonTokenType.Number when cells is null:
                    if (count == numbers.Length) Array.Resize(ref numbers, numbers.Length * 2);
                    // Beyond double's range: kept as infinity, refused later as not finite.
                    numbers[count++] = reader.TryGetDouble(out double value) ? value : double.PositiveInfinity;
                    break;
                case JsonTokenType.Number or JsonTokenType.String or JsonTokenType.True or JsonTokenType.False
                    or JsonTokenType.Null:
                    if (cells is null)
                    {
                        cells = new List<JsonElement>(count + 16);
                        for (int i = 0; i < count; i++) cells.Add(TensorElements.NumberCell(numbers[i]));
                    }
                    cells.Add(JsonElement.ParseValue(ref reader));
                    break;
                default: throw new JsonException("'data' holds only numbers, strings, booleans and nested arrays of "
                    + "them.");
            }
        }
        return new TensorData(cells is null ? TensorElements.Of(numbers, count) : TensorElements.Of(cells));
    }

    public override void Write(Utf8JsonWriter writer, TensorData value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Request data is only read.");
}
