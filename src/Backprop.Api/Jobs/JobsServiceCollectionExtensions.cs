using Backprop.Api.Datasets;

namespace Backprop.Api.Jobs;

public static class JobsServiceCollectionExtensions
{
    /// <summary>The job queue, the hosted worker and what it needs.</summary>
    public static IServiceCollection AddTrainingJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobOptions>().Bind(configuration.GetSection(JobOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<JobQueue>();
        services.AddScoped<JobRunner>();
        services.AddScoped<IDatasetUsage, DatasetUsage>();
        services.AddHostedService<TrainingWorker>();
        return services;
    }
}
