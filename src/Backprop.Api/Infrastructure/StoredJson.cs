using System.Text.Json;

namespace Backprop.Api.Infrastructure;

/// <summary>The JSON options used for documents stored in the database (same shape as on the wire).</summary>
public static class StoredJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        WebApiServiceCollectionExtensions.ConfigureJson(options);
        // Stored documents may gain fields across versions; reading them must not fail on one it doesn't know.
        options.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip;
        return options;
    }
}
