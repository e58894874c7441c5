using Microsoft.Extensions.Configuration.Json;

namespace Backprop.Api.Infrastructure;

public static class LinkedAppSettings
{
    /// <summary>
    /// appsettings.json lives at the repository root and is linked into the build output. When the content root has no
    /// copy (e.g. `dotnet run --project src/Backprop.Api` from elsewhere), read the output's copy, below every other
    /// source.
    /// </summary>
    public static ConfigurationManager AddLinkedAppSettings(this ConfigurationManager configuration,
        IHostEnvironment environment)
    {
        var linked = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        if (File.Exists(Path.Combine(environment.ContentRootPath, "appsettings.json"))
            || !File.Exists(linked)) return configuration;
        var source = new JsonConfigurationSource { Path = linked, Optional = true, ReloadOnChange = false };
        source.ResolveFileProvider();
        configuration.Sources.Insert(0, source);
        return configuration;
    }
}
