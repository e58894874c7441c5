using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Backprop.Client;

/// <summary>An RFC 9457 problem document, as the service answers every error.</summary>
/// <param name="Errors">Validation problems by the field's JSON path (e.g. <c>layers[1].activation</c>).</param>
public sealed record Problem(string? Type, string? Title, int? Status, string? Detail, string? Instance,
    IReadOnlyDictionary<string, string[]>? Errors = null)
{
    /// <summary>Members the service adds beyond the standard ones.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extensions { get; init; }
}

/// <summary>
/// The service answered with an error; <see cref="Problem"/> says what it was and, often, how to fix it.
/// </summary>
public sealed class BackpropApiException : HttpRequestException
{
    public BackpropApiException(HttpStatusCode status, Problem problem)
        : base(Describe(status, problem), null, status) => Problem = problem;

    public Problem Problem { get; }

    private static string Describe(HttpStatusCode status, Problem problem)
    {
        var text = $"{(int)status} {problem.Title ?? status.ToString()}";
        if (problem.Detail is { Length: > 0 } detail) text += $": {detail}";
        if (problem.Errors is { Count: > 0 } errors)
            text += " (" + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(' ', e.Value)}")) + ")";
        return text;
    }
}
