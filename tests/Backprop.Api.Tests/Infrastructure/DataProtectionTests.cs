using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Backprop.Api.Tests.Infrastructure;

/// <summary>Nothing in an API-key service protects data with ASP.NET Core data protection, so it does not create a key
/// ring at start.</summary>
public sealed class DataProtectionTests
{
    [Fact]
    public void Start_DefaultServices_DoesNotRunDataProtectionKeyRing()
    {
        using var factory = new ApiFactory();
        _ = factory.CreateClient();
        var hosted = factory.Services.GetServices<IHostedService>().Select(s => s.GetType().FullName).ToList();
        Assert.Contains("Backprop.Api.Jobs.TrainingWorker", hosted);
        Assert.DoesNotContain("Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService", hosted);
    }
}
