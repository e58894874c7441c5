using Xunit.Abstractions;

namespace Backprop.Api.Tests.Security;

/// <summary>Logs are collected and kept: the development key appears there by prefix and file only.</summary>
[Collection(ServiceProcessCollection.Name)]
public sealed class DevelopmentKeyLogTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DevelopmentKey_WhenCreated_IsLoggedByPrefixAndFileNotInFull()
    {
        await using var service = new ServiceProcess() { Output = output };
        await service.StartAsync();
        var file = Path.Combine(service.Folder, "dev-api-key.txt");
        var key = (await File.ReadAllTextAsync(file)).Trim();
        Assert.DoesNotContain(key, service.Log);
        Assert.Contains(key[..12], service.Log);
        Assert.Contains(file, service.Log);
    }
}
