using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Backprop.Api.Datasets;

public static class DatasetsServiceCollectionExtensions
{
    /// <summary>Upload limits (validated at start) and <see cref="DatasetLoader"/> for the training jobs. <see
    /// cref="IDatasetUsage"/> comes from the jobs.</summary>
    public static IServiceCollection AddDatasets(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatasetOptions>().Bind(configuration.GetSection(DatasetOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<DatasetLoader>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
