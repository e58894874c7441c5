namespace Backprop.Api.Infrastructure;

/// <summary>The known name a mistyped one most likely meant: <c>mse</c> → mean_squared_error, <c>learning_rate</c> →
/// learningRate.</summary>
public static class NameSuggestions
{
    /// <summary>The closest of <paramref name="known"/> to <paramref name="input"/>, or null when none is
    /// close.</summary>
    public static string? Closest(string input, IReadOnlyCollection<string> known)
    {
        var typed = Normalize(input);
        if (typed.Length == 0) return null;
        // Same letters but for case and separators (learning_rate, LEARNINGRATE, rmsprop, adamw).
        if (known.FirstOrDefault(k => Normalize(k) == typed) is { } same) return same;
        // Initials (mse, bce, cce).
        if (typed.Length >= 2 && known.FirstOrDefault(k => Initials(k) == typed) is { } acronym) return acronym;
        // A part of the name (glorot, leaky), or the name with more around it (huber_loss, relu6).
        if (typed.Length >= 3 && known.FirstOrDefault(k => Normalize(k)
            .Contains(typed, StringComparison.Ordinal)) is { } part) return part;
        if (known.Where(k => Normalize(k).Length >= 3 && typed.Contains(Normalize(k), StringComparison.Ordinal))
            .MaxBy(k => k.Length) is { } whole) return whole;
        // A typo: at most one edit per three letters.
        var (best, distance) = known.Select(k => (k, Distance(typed, Normalize(k)))).MinBy(p => p.Item2);
        return best is not null && distance <= Math.Max(1, typed.Length / 3) ? best : null;
    }

    private static string Normalize(string name) => new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)
        .ToArray());

    /// <summary>First letters of snake_case or camelCase parts: mean_squared_error → mse, learningRate → lr.</summary>
    private static string Initials(string name)
    {
        var letters = new List<char>();
        for (int i = 0; i < name.Length; i++)
            if (char.IsLetterOrDigit(name[i]) && (i == 0 || !char.IsLetterOrDigit(name[i - 1])
                || (char.IsUpper(name[i]) && char.IsLower(name[i - 1]))))
                letters.Add(char.ToLowerInvariant(name[i]));
        return new string(letters.ToArray());
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1]
                    + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
