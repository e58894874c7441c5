using System.Numerics;
using System.Text;

namespace Backprop.Api.Datasets;

/// <summary>
/// Cell text (UTF-8) → code, for the dictionary of a <see cref="ParsedColumn"/>. Texts of up to 7 bytes (numbers like
/// pixel values,
/// short labels) are packed with their length into one <c>ulong</c> and found in an open-addressed table without
/// hashing a
/// string; longer texts go through a string dictionary. Integers 0..999 written plainly (pixel values, small counts)
/// skip even
/// that: their code is at their value in a small array. Several texts may share a code (TRUE and true).
/// </summary>
internal sealed class TextCodes
{
    private int[]? _small; // code + 1 by value of a plain integer 0..999; 0 = not seen
    private ulong[] _keys = new ulong[64]; // 0 = empty; a packed key is never 0 (its length byte is at least 1)
    private int[] _codes = new int[64];
    private int _count;
    private readonly Dictionary<string, int> _long = new(StringComparer.Ordinal);

    public bool TryGet(ReadOnlySpan<byte> text, out int code)
    {
        if (SmallInteger(text) is var value and >= 0)
        {
            code = _small is null ? -1 : _small[value] - 1;
            return code >= 0;
        }
        if (text.Length <= 7)
        {
            ulong key = Pack(text);
            int mask = _keys.Length - 1;
            for (int i = Slot(key, mask); ; i = (i + 1) & mask)
            {
                if (_keys[i] == key) { code = _codes[i]; return true; }
                if (_keys[i] == 0) { code = -1; return false; }
            }
        }
        Span<char> chars = stackalloc char[256];
        return text.Length <= 256 && Encoding.UTF8.TryGetChars(text, chars, out int n)
            ? _long.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..n], out code)
            : _long.TryGetValue(Encoding.UTF8.GetString(text), out code);
    }

    public void Add(ReadOnlySpan<byte> text, int code)
    {
        if (SmallInteger(text) is var value and >= 0)
        {
            (_small ??= new int[1000])[value] = code + 1;
            return;
        }
        if (text.Length > 7) { _long[Encoding.UTF8.GetString(text)] = code; return; }
        if (++_count * 2 > _keys.Length) Grow();
        Insert(Pack(text), code);
    }

    private void Insert(ulong key, int code)
    {
        int mask = _keys.Length - 1, i = Slot(key, mask);
        while (_keys[i] != 0) i = (i + 1) & mask;
        _keys[i] = key;
        _codes[i] = code;
    }

    private void Grow()
    {
        var (keys, codes) = (_keys, _codes);
        _keys = new ulong[keys.Length * 2];
        _codes = new int[keys.Length * 2];
        for (int i = 0; i < keys.Length; i++)
            if (keys[i] != 0) Insert(keys[i], codes[i]);
    }

    /// <summary>The value of 1 to 3 digits without a leading zero (or "0"), else −1.</summary>
    private static int SmallInteger(ReadOnlySpan<byte> text)
    {
        switch (text.Length)
        {
            case 1:
                return (uint)(text[0] - '0') <= 9 ? text[0] - '0' : -1;
            case 2:
                return (uint)(text[0] - '1') <= 8 && (uint)(text[1] - '0') <= 9 ? (text[0] - '0') * 10 + text[1] - '0'
                    : -1;
            case 3:
                return (uint)(text[0] - '1') <= 8 && (uint)(text[1] - '0') <= 9 && (uint)(text[2] - '0') <= 9
                    ? (text[0] - '0') * 100 + (text[1] - '0') * 10 + text[2] - '0' : -1;
            default:
                return -1;
        }
    }

    private static ulong Pack(ReadOnlySpan<byte> text)
    {
        ulong key = (ulong)text.Length << 56;
        for (int i = 0; i < text.Length; i++) key |= (ulong)text[i] << (8 * i);
        return key;
    }

    private static int Slot(ulong key, int mask) => (int)((key * 0x9E3779B97F4A7C15UL) >> (64 -
        BitOperations.Log2((uint)mask + 1))) & mask;
}
