using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace Backprop.Api.Infrastructure;

/// <summary>
/// Turns a request body the serializer refused into one field path and a message in the API's own names: an unknown
/// property with the closest known one, a value of the wrong JSON type with the type expected, an unknown enum name
/// with the accepted ones (<see cref="ApiEnumConverter{TEnum}"/>), never a .NET type name.
/// </summary>
public static partial class JsonProblems
{
    public static (string Path, string Message) Describe(JsonException exception, Type? requestType,
        JsonSerializerOptions options)
    {
        string path = ApiPath(exception.Path);
        string message = exception.Message;
        if (UnmappedMember().Match(message) is { Success: true } unmapped)
        {
            string name = unmapped.Groups[1].Value;
            var known = KnownProperties(NamedType(unmapped.Groups[2].Value) ?? TypeAt(requestType,
                ParentOf(exception.Path, name), options), options);
            string parent = path.EndsWith(name, StringComparison.Ordinal) ? path[..^name.Length].TrimEnd('.') : path;
            string key = parent.Length == 0 ? name : $"{parent}.{name}";
            var closest = known is null ? null : NameSuggestions.Closest(name, known);
            return (key, $"Unknown property '{name}'." + (closest is null ? "" : $" Did you mean {closest}?")
                + (known is null ? "" : $" Known properties here: {string.Join(", ", known)}."));
        }
        if (MissingRequired().Match(message) is { Success: true } missing)
            return (path, $"Required properties are missing: " +
                $"{missing.Groups[1].Value.Replace("'", "", StringComparison.Ordinal)}.");
        if (message.Contains("could not be converted to", StringComparison.Ordinal))
        {
            var type = TypeAt(requestType, exception.Path, options) ?? ConvertedType(message, exception.Path, options);
            return (path, type is null ? $"The value at '{path}' has the wrong JSON type."
                : $"Expected {Describe(type)} for '{path}'.");
        }
        if (message.Contains(ApiEnumConverterFactory.NotOneOf, StringComparison.Ordinal)) return (path, message);
        if (exception.LineNumber is { } line && exception.BytePositionInLine is { } position)
            return (path, $"Malformed JSON at line {line + 1}, byte {position + 1}: " +
                $"{TypeNames().Replace(message.Split(" Path:")[0], "the value")}");
        // Our converters' messages already use the API's names.
        return (path, TypeNames().Replace(message, "the value"));
    }

    /// <summary><c>$.layers[0].activation</c> → <c>layers[0].activation</c>.</summary>
    private static string ApiPath(string? jsonPath) => (jsonPath ?? "$").TrimStart('$').TrimStart('.');

    private static string? ParentOf(string? jsonPath, string name)
    {
        var path = jsonPath ?? "$";
        return path.EndsWith("." + name, StringComparison.Ordinal) ? path[..^(name.Length + 1)]
            : path.EndsWith($"['{name}']", StringComparison.Ordinal) ? path[..^(name.Length + 4)] : path;
    }

    private static string[]? KnownProperties(Type? type, JsonSerializerOptions options) =>
        type is not null && options.GetTypeInfo(type) is { Kind: JsonTypeInfoKind.Object } info
            ? info.Properties.Select(p => p.Name).ToArray() : null;

    /// <summary>The type a conversion message names: the value's own type, or (for a constructor parameter) the object
    /// holding it.</summary>
    private static Type? ConvertedType(string message, string? jsonPath, JsonSerializerOptions options)
    {
        if (ConvertedTo().Match(message) is not { Success: true } match || NamedType(match.Groups[1]
            .Value) is not { } named) return null;
        var last = PathSegment().Matches(ApiPath(jsonPath)).LastOrDefault()?.Groups["name"];
        if (last is { Success: true } && options.GetTypeInfo(Nullable.GetUnderlyingType(named)
            ?? named) is { Kind: JsonTypeInfoKind.Object } info)
            return info.Properties.FirstOrDefault(p => p.Name == last.Value)?.PropertyType ?? named;
        return named;
    }

    private static Type? NamedType(string name) =>
        Type.GetType(name) ?? typeof(JsonProblems).Assembly.GetType(name) ?? typeof(TrainingOptions)
            .Assembly.GetType(name);

    /// <summary>The declared type of the value at a JSON path, walking the request type's properties and list
    /// elements.</summary>
    private static Type? TypeAt(Type? root, string? jsonPath, JsonSerializerOptions options)
    {
        if (root is null) return null;
        var type = root;
        foreach (Match segment in PathSegment().Matches(ApiPath(jsonPath)))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (segment.Groups["index"].Success)
            {
                type = ElementType(type);
            }
            else
            {
                var info = options.GetTypeInfo(type);
                if (info.Kind != JsonTypeInfoKind.Object) return null;
                type = info.Properties.FirstOrDefault(p => p.Name == segment.Groups["name"].Value)?.PropertyType;
            }
            if (type is null) return null;
        }
        return type;
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType
            && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum) return "a string, one of " + string.Join(", ", Enum.GetValues(type).Cast<Enum>()
            .Select(JsonNames.Of));
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(string)) return "a string";
        if (type == typeof(Guid)) return "a UUID string (e.g. \"0195f2a4-7c1e-7d3a-9b2f-4c8e1a6d5b30\")";
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset)) return "an ISO 8601 date-time string";
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "a number";
        if (type == typeof(ulong)) return "a non-negative integer";
        if (type.IsPrimitive) return "an integer";
        if (type != typeof(JsonElement)
            && ElementType(type) is { } element) return $"an array of {Plural(Describe(element))}";
        return "an object";
    }

    private static string Plural(string description) => description switch
    {
        "a number" => "numbers",
        "an integer" => "integers",
        "a string" => "strings",
        "an object" => "objects",
        _ => "values: " + description,
    };

    [GeneratedRegex(@"could not be converted to ([\w.`\[\], ]+?)\. Path")]
    private static partial Regex ConvertedTo();

    [GeneratedRegex(@"The JSON property '(.+?)' could not be mapped to any \.NET member contained in type '(.+?)'")]
    private static partial Regex UnmappedMember();

    [GeneratedRegex(@"missing required properties,? including: (.+?)\.( Path|$)")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"(?<name>[^.\[\]]+)|\[(?<index>\d+)\]")]
    private static partial Regex PathSegment();

    /// <summary>.NET type names that must not reach a client (System.Int32,
    /// Backprop.Api.Jobs.OptimizerRequest).</summary>
    [GeneratedRegex(@"'?(System|Backprop)\.[\w.`\[\], ]+'?")]
    private static partial Regex TypeNames();
}
