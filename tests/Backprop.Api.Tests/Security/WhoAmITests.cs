using System.Net;
using System.Net.Http.Json;

namespace Backprop.Api.Tests.Security;

public class WhoAmITests
{
    [Fact]
    public async Task WhoAmI_NamesTheTenantOfTheKey_AndNeedsOne()
    {
        using var factory = new ApiFactory();
        var body = await factory.CreateClient().GetFromJsonAsync<Dictionary<string, string>>("/api/whoami");
        Assert.Equal(ApiFactory.DefaultTenant, body!["tenant"]);

        var anonymous = await factory.CreateAnonymousClient().GetAsync("/api/whoami");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
