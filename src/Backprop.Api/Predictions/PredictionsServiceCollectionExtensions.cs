namespace Backprop.Api.Predictions;

public static class PredictionsServiceCollectionExtensions
{
    public static IServiceCollection AddPredictions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PredictionOptions>().Bind(configuration.GetSection(PredictionOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ModelCache>();
        return services;
    }
}
