namespace Backprop.Core.Tests.Training;

/// <summary>The vectorised normalisation against its scalar definition, <c>(float)((x − offset) / scale)</c> in
/// double.</summary>
public class NormalizerTests
{
    [Fact]
    public void Apply_EveryWidth_EqualsTheScalarDefinitionExactly()
    {
        var rng = new Random(11);
        foreach (int width in new[] { 1, 3, 4, 5, 8, 13, 64 })
        {
            var offsets = Enumerable.Range(0, width).Select(_ => rng.NextDouble() * 200 - 100).ToArray();
            var scales = Enumerable.Range(0, width).Select(_ => rng.NextDouble() * 30 + 1e-3).ToArray();
            var normalizer = new Normalizer(NormalizationKind.ZScore, offsets, scales);
            const int Rows = 9;
            var raw = Enumerable.Range(0, Rows * width).Select(_ => (float)(rng.NextDouble() * 400 - 200)).ToArray();
            var normalized = new float[raw.Length];
            normalizer.Apply(raw, normalized);
            var expected = raw.Select((x, i) => (float)((x - offsets[i % width]) / scales[i % width])).ToArray();
            Assert.Equal(expected, normalized);
        }
    }
}
