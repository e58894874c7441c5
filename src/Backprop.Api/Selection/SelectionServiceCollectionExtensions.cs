namespace Backprop.Api.Selection;

public static class SelectionServiceCollectionExtensions
{
    /// <summary>Cross-validation and search coordination: the wake-up signal, the search runner and the hosted
    /// coordinator.</summary>
    public static IServiceCollection AddSelection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SelectionOptions>().Bind(configuration.GetSection(SelectionOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SelectionSignal>();
        services.AddScoped<SearchRunner>();
        services.AddHostedService<SelectionCoordinator>();
        return services;
    }
}
