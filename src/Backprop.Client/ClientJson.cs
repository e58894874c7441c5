using System.Text.Json;
using System.Text.Json.Serialization;

namespace Backprop.Client;

/// <summary>
/// The service's JSON conventions: camelCase properties, snake_case enum values, nulls left out of requests.
/// </summary>
internal static class ClientJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        // The service refuses unknown properties; an unset optional one is left out, so the service's default applies.
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}
