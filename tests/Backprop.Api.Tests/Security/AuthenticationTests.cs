using System.Net;
using System.Security.Cryptography;
using System.Text;
using Backprop.Api.Data;
using Backprop.Api.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Api.Tests.Security;

public sealed class AuthenticationTests
{
    [Fact]
    public async Task EveryApiEndpoint_WithoutKey_Returns401WithBearerChallenge()
    {
        using var factory = new ApiFactory();
        var anonymous = factory.CreateAnonymousClient();
        var routes = ApiEndpoints.All(factory);
        Assert.True(routes.Count >= 20, $"Only {routes.Count} routes found");
        foreach (var route in routes)
        {
            var response = await anonymous.SendAsync(route.Request(Guid.NewGuid()));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{route}: {(int)response.StatusCode}");
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task HealthOpenApiAndSwaggerUi_WithoutKey_AreServed()
    {
        using var factory = new ApiFactory();
        var anonymous = factory.CreateAnonymousClient();
        foreach (var path in new[] { "/health/live", "/health/ready", "/openapi/v1.json", "/swagger/index.html" })
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task ApiKey_AsBearerOrXApiKeyHeader_IsAccepted()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateAnonymousClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiFactory.DefaultKey);
        await (await client.GetAsync("/api/networks")).ExpectAsync(HttpStatusCode.OK);
        await (await factory.CreateClient().GetAsync("/api/networks")).ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("bp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // well formed, unknown
    [InlineData("bp_testDefaultTenantKey0000000000000000000001")] // same prefix as a real key, one character off
    [InlineData("not-a-key")]
    public async Task ApiKey_Unknown_Returns401InvalidToken(string key)
    {
        using var factory = new ApiFactory();
        var response = await factory.CreateClientWithKey(key).GetAsync("/api/networks");
        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.Single().Parameter);
    }

    [Fact]
    public async Task AdminKeys_CreateListRevoke_RevocationIsImmediate()
    {
        using var factory = new ApiFactory();
        var admin = factory.CreateAdminClient();
        var created = await (await admin.PostJsonAsync("/api/admin/keys", """{"tenant": "acme", "name": "ci"}"""))
            .ExpectAsync(HttpStatusCode.Created);
        var key = (string)created["key"]!;
        Assert.Matches("^bp_[A-Za-z0-9_-]{43}$", key);
        Assert.Equal(key[..12], (string)created["prefix"]!);

        var tenant = factory.CreateClientWithKey(key);
        await (await tenant.GetAsync("/api/networks")).ExpectAsync(HttpStatusCode.OK);

        var list = await (await admin.GetAsync("/api/admin/keys?tenant=acme")).ExpectAsync(HttpStatusCode.OK);
        var listed = Assert.Single(list["items"]!.AsArray())!;
        Assert.Equal((string)created["id"]!, (string)listed["id"]!);
        Assert.Null(listed["key"]);
        Assert.Null(listed["hash"]);
        Assert.DoesNotContain(key, list.ToJsonString());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/admin/keys/{created["id"]}"))
            .StatusCode);
        await (await tenant.GetAsync("/api/networks")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/admin/keys/{Guid.NewGuid()}"))
            .StatusCode);
    }

    [Fact]
    public async Task ApiKey_WhenStored_IsOnlySha256Hash()
    {
        using var factory = new ApiFactory(sqlite: true); // reads the database file
        var key = await factory.CreateTenantKeyAsync("acme");
        await using var scope = factory.Services.CreateAsyncScope();
        var row = await scope.ServiceProvider.GetRequiredService<BackpropDbContext>().Set<ApiKeyEntity>()
            .SingleAsync(k => k.TenantId == "acme");
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(key)), row.Hash);
        Assert.Equal(key[..12], row.Prefix);
        var file = await File.ReadAllBytesAsync(factory.DatabasePath);
        Assert.True(file.AsSpan().IndexOf(Encoding.UTF8.GetBytes(key)) < 0,
            "The plaintext key is in the database file");
    }

    [Fact]
    public async Task Endpoints_KeyOfWrongRole_Returns403()
    {
        using var factory = new ApiFactory();
        var routes = ApiEndpoints.All(factory);
        var tenant = factory.CreateClient();
        var admin = factory.CreateAdminClient();
        foreach (var route in routes)
        {
            var client = route.Resource == "admin" ? tenant : admin;
            var response = await client.SendAsync(route.Request(Guid.NewGuid()));
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{route}: {(int)response.StatusCode}");
            await response.ExpectProblemAsync(HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public async Task AdminApi_NoAdminKeyConfigured_IsClosed()
    {
        using var factory = new ApiFactory().With("Auth:AdminKey", "");
        var response = await factory.CreateAdminClient().GetAsync("/api/admin/keys");
        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task OpenApi_Document_DeclaresApiKeySecurity()
    {
        using var factory = new ApiFactory();
        var document = await (await factory.CreateAnonymousClient().GetAsync("/openapi/v1.json"))
            .ExpectAsync(HttpStatusCode.OK);
        var schemes = document["components"]!["securitySchemes"]!;
        Assert.Equal("bearer", (string)schemes["Bearer"]!["scheme"]!);
        Assert.Equal("X-Api-Key", (string)schemes["ApiKeyHeader"]!["name"]!);
        var operation = document["paths"]!["/api/networks"]!["post"]!;
        Assert.Contains(operation["security"]!.AsArray(), r => r!.AsObject().ContainsKey("Bearer"));
        Assert.Null(document["paths"]!["/health/live"]?["get"]?["security"]);
    }
}
