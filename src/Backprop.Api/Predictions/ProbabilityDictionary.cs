using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Backprop.Api.Predictions;

/// <summary>
/// One row's class probabilities by class name, read from the batch's <c>(rows, classes)</c> array when serialised; a
/// non-finite probability reads as 0 (JSON has no NaN).
/// </summary>
public sealed class ProbabilityDictionary(IReadOnlyList<string> classNames, float[] probabilities, int offset,
    int classes) : IReadOnlyDictionary<string, float>
{
    public int Count => classes;
    public IEnumerable<string> Keys => classNames.Take(classes);
    public IEnumerable<float> Values => Enumerable.Range(0, classes).Select(At);

    public float this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out float value)
    {
        int c = IndexOf(key);
        value = c >= 0 ? At(c) : 0;
        return c >= 0;
    }

    public IEnumerator<KeyValuePair<string, float>> GetEnumerator()
    {
        for (int c = 0; c < classes; c++) yield return new(classNames[c], At(c));
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>As the serializer writes the dictionary, without its enumerator.</summary>
    internal void WriteTo(System.Text.Json.Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        for (int c = 0; c < classes; c++) writer.WriteNumber(classNames[c], At(c));
        writer.WriteEndObject();
    }

    private float At(int c) => probabilities[offset + c] is var q && float.IsFinite(q) ? q : 0;

    private int IndexOf(string key)
    {
        for (int c = 0; c < classes; c++) if (classNames[c] == key) return c;
        return -1;
    }
}
