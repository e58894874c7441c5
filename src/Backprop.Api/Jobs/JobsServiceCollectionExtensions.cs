using Backprop.Api.Datasets;
using Backprop.Api.Jobs.Live;

namespace Backprop.Api.Jobs;

public static class JobsServiceCollectionExtensions
{
    /// <summary>Longest the host waits at shutdown (SIGTERM) for running jobs to write their final
    /// checkpoint.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The job queue, the hosted worker and what it needs.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobOptions>().Bind(configuration.GetSection(JobOptions.Section)).ValidateDataAnnotations()
            .ValidateOnStart();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        services.AddOptions<LiveOptions>().Bind(configuration.GetSection(LiveOptions.Section)).ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<LiveJobs>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobSubmissions>();
        services.AddSingleton<WorkerIdentity>();
        services.AddSingleton<JobMemoryBudget>();
        services.AddScoped<JobRunner>();
        services.AddScoped<IDatasetUsage, DatasetUsage>();
        services.AddHostedService<TrainingWorker>();
        return services;
    }
}
