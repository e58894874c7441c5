using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Api.Tests.Support;

/// <summary>
/// The app over real HTTP on a free port, for responses read while they are written (event streams): the in-memory
/// test server hands a response to its client only when the handler ends.
/// </summary>
public static class KestrelServer
{
    public static ApiFactory StartOnKestrel(this ApiFactory factory)
    {
        factory.UseKestrel(0);
        factory.StartServer();
        return factory;
    }

    /// <summary>A plain HttpClient on the Kestrel address with the default key (the factory's own client handlers
    /// are left out).</summary>
    public static HttpClient CreateKestrelClient(this ApiFactory factory)
    {
        var addresses = factory.Services.GetRequiredService<IServer>().Features
            .Get<IServerAddressesFeature>()!;
        var client = new HttpClient { BaseAddress = new Uri(addresses.Addresses.First()),
            Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiFactory.DefaultKey);
        return client;
    }
}
