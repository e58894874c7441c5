using System.Globalization;
using System.Runtime.CompilerServices;

namespace Backprop.Api.Datasets;

/// <summary>
/// float32 from culture-invariant UTF-8 text, as <see cref="Reference"/> (<c>float.TryParse</c> with <see
/// cref="NumberStyles.Float"/>)
/// reads it, bit for bit. The fast path takes plain decimals (<c>[+-]digits[.digits][e[+-]digits]</c>) whose
/// significand fits in 2^53
/// and whose power of ten is at most 22: one IEEE multiplication or division of two exact doubles rounds correctly
/// (Clinger), and
/// rounding that double to float32 is the correct float32 unless the double is exactly halfway between two floats (a
/// decimal on
/// one side of a float32 midpoint rounds to a double on the same side or onto it). Everything else takes the reference.
/// </summary>
internal static class Utf8Numbers
{
    private static readonly double[] PowersOfTen =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
            1e20, 1e21, 1e22];

    /// <summary>The plain, obviously-correct reading the fast path must match.</summary>
    public static bool Reference(ReadOnlySpan<byte> utf8, out float value) =>
        float.TryParse(utf8, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParse(ReadOnlySpan<byte> utf8, out float value)
    {
        if (TryFast(utf8, out double exact))
        {
            ulong bits = BitConverter.DoubleToUInt64Bits(exact);
            double magnitude = Math.Abs(exact);
            // 29 low bits exactly 1000…0: halfway between two floats; below the smallest normal float the midpoints
            // lie elsewhere.
            if ((bits & 0x1FFF_FFFF) != 0x1000_0000 && (magnitude == 0 || (magnitude >= 1.1754943508222875e-38 &&
                magnitude <= float.MaxValue)))
            {
                value = (float)exact;
                return true;
            }
        }
        return Reference(utf8, out value);
    }

    /// <summary>
    /// The correctly rounded double of a plain decimal (the fast path above, before any rounding to float32), as
    /// <c>double.Parse</c> reads it; false for text the fast path does not take, which the caller reads another way.
    /// Prediction bodies use it: the serializer reads their numbers as doubles.
    /// </summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> utf8, out double value) => TryFast(utf8, out value);

    private static bool TryFast(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        int i = 0;
        bool negative = false;
        if (s.Length == 0) return false;
        if (s[0] is (byte)'-' or (byte)'+') { negative = s[0] == '-'; i = 1; }
        ulong mantissa = 0;
        int digits = 0, scale = 0, start = i;
        for (; i < s.Length && (uint)(s[i] - '0') <= 9; i++, digits++) mantissa = mantissa * 10 + (uint)(s[i] - '0');
        int integerDigits = i - start;
        if (i < s.Length && s[i] == '.')
        {
            int fraction = ++i;
            for (; i < s.Length && (uint)(s[i] - '0') <= 9; i++, digits++) mantissa = mantissa * 10 + (uint)(s[i] -
                '0');
            scale = fraction - i;
            if (integerDigits == 0 && i == fraction) return false; // "." or "-."
        }
        else if (integerDigits == 0) return false;
        if (i < s.Length && (s[i] | 0x20) == 'e')
        {
            i++;
            bool negativeExponent = false;
            if (i < s.Length && s[i] is (byte)'-' or (byte)'+') { negativeExponent = s[i] == '-'; i++; }
            int exponentStart = i, exponent = 0;
            for (; i < s.Length && (uint)(s[i] - '0') <= 9 && i - exponentStart < 4; i++) exponent = exponent * 10 +
                (s[i] - '0');
            if (i == exponentStart) return false;
            scale += negativeExponent ? -exponent : exponent;
        }
        // Up to 19 digits cannot overflow a ulong; the significand must be exact as a double.
        if (i != s.Length || digits > 19 || mantissa > 1UL << 53 || scale < -22 || scale > 22) return false;
        double m = mantissa;
        value = scale >= 0 ? m * PowersOfTen[scale] : m / PowersOfTen[-scale];
        if (negative) value = -value;
        return true;
    }
}
