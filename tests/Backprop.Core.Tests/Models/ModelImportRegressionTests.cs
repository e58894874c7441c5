using System.Buffers.Binary;
using System.Text.RegularExpressions;

namespace Backprop.Core.Tests.Models;

/// <summary>The inputs the property tests found, each once escaping as something other than InvalidDataException (or
/// allocating gigabytes).</summary>
public sealed class ModelImportRegressionTests
{
    /// <summary>Two inputs, two outputs, regression: 6 parameters; names on features and targets.</summary>
    private static readonly TrainedModel Model = new(new NetworkSpec(2, [new LayerSpec(2, ActivationKind.Identity)],
        LossKind.MeanSquaredError),
        [1, 2, 3, 4, 5, 6], TaskKind.Regression, Normalizer.Identity(2), Normalizer.Identity(2), ["a", "b"], null,
            ["y1", "y2"]);

    /// <summary>Bytes allocated on this thread by <paramref name="read"/>, which must fail with
    /// InvalidDataException.</summary>
    private static long RefusedAllocating(Action read)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(read);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData(2_000_000_000)] // was ArgumentException from ParameterLayout (more than Array.MaxLength parameters)
    [InlineData(40_000)] // was a 320 MB allocation for a 1 KB file
    public void Json_SpecWiderThanTheFileCanHold_IsInvalidDataWithoutAllocating(int width)
    {
        var json = Regex.Replace(ModelSerializer.ToJson(Model), @"""inputWidth"": \d+", $"\"inputWidth\": {width}");
        json = Regex.Replace(json, @"""units"": \d+", $"\"units\": {width}");
        Assert.True(RefusedAllocating(() => ModelSerializer.FromJson(json)) < 16 << 20, "allocated 16 MiB or more");
    }

    [Fact]
    // was ArgumentException (EncoderFallbackException) from JsonDocument.Parse
    public void Json_WithALoneSurrogate_IsInvalidData()
    {
        var json = ModelSerializer.ToJson(Model).Replace("\"a\"", "\"\ud800\"");
        Assert.Contains("Malformed model JSON", Assert.Throws<InvalidDataException>(() =>
            ModelSerializer.FromJson(json)).Message);
    }

    [Fact]
    // was accepted; prediction then indexed past the scales
    public void Json_TargetNormalizationWithFewerScalesThanOffsets_IsInvalidData()
    {
        var json = ModelSerializer.ToJson(Model with { TargetNormalizer = new Normalizer(NormalizationKind.ZScore,
            [0, 0], [1]) });
        Assert.Contains("targetNormalization", Assert.Throws<InvalidDataException>(() => ModelSerializer.FromJson(json))
            .Message);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(0x7FFFFFC7 / 4)] // was a 2 GB allocation before the data ran out
    [InlineData(1 << 28)]
    public void Binary_HugeParameterCount_IsInvalidDataWithoutAllocating(int count)
    {
        var bytes = ModelSerializer.ToBinary(Model);
        // after magic, version, spec with one 40-byte layer (and its dropout rates), task
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(40 + 40 + 16 + 4), count);
        Assert.True(RefusedAllocating(() => ModelSerializer.FromBinary(bytes)) < 16 << 20, "allocated 16 MiB or more");
    }

    [Theory]
    // was FormatException: too many bytes in a 7-bit encoded integer
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })] // was IOException: negative string length
    public void Binary_CorruptStringLength_IsInvalidData(byte[] length)
    {
        var bytes = ModelSerializer.ToBinary(Model);
        // The target names come last: count 2, then "y1" and "y2" as (length, bytes); corrupt the length of "y2".
        byte[] corrupt = [.. bytes.AsSpan(0, bytes.Length - 3), .. length, .. "y2"u8];
        Assert.Throws<InvalidDataException>(() => ModelSerializer.FromBinary(corrupt));
    }

    [Fact]
    public void Binary_UnknownTask_IsInvalidData() // was accepted as a model of task 7
    {
        var bytes = ModelSerializer.ToBinary(Model);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(40 + 40 + 16), 7);
        Assert.Contains("task", Assert.Throws<InvalidDataException>(() => ModelSerializer.FromBinary(bytes)).Message);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]
    public void Snapshot_CorruptStopMessageLength_IsInvalidData(byte[] length) // was FormatException / IOException
    {
        var snapshot = new TrainingSnapshot(Model.Spec, new TrainingOptions(), 3, 42, Model.Parameters,
            new OptimizerState(0, new float[6], new float[6]),
            new ScheduleState(0.01, double.PositiveInfinity, 0, 0), null, null, null);
        var bytes = snapshot.ToBytes();
        // The empty stop message is its length byte, followed only by the optional start loss (a flag and a double).
        byte[] corrupt = [.. bytes.AsSpan(0, bytes.Length - 1 - 9), .. length];
        Assert.Throws<InvalidDataException>(() => TrainingSnapshot.FromBytes(corrupt));
    }
}
