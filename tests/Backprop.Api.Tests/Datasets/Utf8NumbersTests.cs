using System.Globalization;
using System.Text;
using Backprop.Api.Datasets;

namespace Backprop.Api.Tests.Datasets;

/// <summary>The fast float32 reader against <c>float.TryParse</c>: the same answer and the same bits on every
/// input.</summary>
public sealed class Utf8NumbersTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("+1.5")]
    [InlineData("255")]
    [InlineData("0.1")]
    [InlineData("-0.123456789")]
    [InlineData("3.4028235e38")]
    [InlineData("3.5e38")]
    [InlineData("1e-45")]
    [InlineData("1.17549435e-38")]
    [InlineData("16777217")]       // halfway between two floats
    [InlineData("0.30000001192092896")]
    [InlineData("1e22")]
    [InlineData("9007199254740993")]
    [InlineData("12345678901234567890123")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData(".")]
    [InlineData("-")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("1E-3")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1,5")]
    [InlineData("0x10")]
    [InlineData("1e99999")]
    public void TryParse_Examples_MatchFloatTryParse(string text) => AssertSame(text);

    [Fact]
    public void TryParse_RandomDecimals_MatchFloatTryParseBitForBit()
    {
        var random = new Random(18);
        for (int i = 0; i < 200_000; i++)
        {
            var text = (i % 4) switch
            {
                0 => ((float)(random.NextDouble() * 2 - 1)).ToString(CultureInfo.InvariantCulture),
                1 => (random.NextDouble() * Math.Pow(10, random.Next(-30, 30))).ToString("R",
                    CultureInfo.InvariantCulture),
                2 => random.Next(-100_000_000, 100_000_000).ToString(CultureInfo.InvariantCulture) + "." +
                    random.Next(0, 1_000_000_000).ToString("D9", CultureInfo.InvariantCulture),
                _ => $"{random.Next(1, 100_000)}e{random.Next(-50, 50)}",
            };
            AssertSame(text);
        }
    }

    /// <summary>Decimals exactly halfway between two float32 values, which only the reference may round (to
    /// even).</summary>
    [Fact]
    public void TryParse_Float32Midpoints_MatchFloatTryParse()
    {
        var random = new Random(7);
        for (int i = 0; i < 20_000; i++)
        {
            float f = (float)(random.NextDouble() * 1000);
            double midpoint = ((double)f + MathF.BitIncrement(f)) / 2;
            AssertSame(((decimal)midpoint).ToString(CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void TryParseDouble_RandomDecimals_MatchDoubleParseBitForBit()
    {
        var random = new Random(4);
        int taken = 0;
        for (int i = 0; i < 200_000; i++)
        {
            var text = (i % 3) switch
            {
                0 => (random.NextDouble() * Math.Pow(10, random.Next(-25, 25))).ToString("G15",
                    CultureInfo.InvariantCulture),
                1 => random.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture),
                _ => $"-{random.Next(0, 100_000)}.{random.Next(0, 100_000):D5}e{random.Next(-30, 30)}",
            };
            if (!Utf8Numbers.TryParseDouble(Encoding.UTF8.GetBytes(text), out double fast)) continue;
            taken++;
            double reference = double.Parse(text, CultureInfo.InvariantCulture);
            Assert.True(BitConverter.DoubleToUInt64Bits(reference) == BitConverter.DoubleToUInt64Bits(fast),
                $"'{text}': {reference:R} vs {fast:R}");
        }
        Assert.True(taken > 100_000, $"the fast path took only {taken} of 200,000 decimals");
    }

    private static void AssertSame(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        bool expected = Utf8Numbers.Reference(utf8, out float reference);
        bool actual = Utf8Numbers.TryParse(utf8, out float fast);
        Assert.Equal(expected, actual);
        Assert.True(BitConverter.SingleToUInt32Bits(reference) == BitConverter.SingleToUInt32Bits(fast),
            $"'{text}': {reference:R} vs {fast:R}");
    }
}
