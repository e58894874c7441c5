using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Networks;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Jobs;

/// <summary>A job's working memory, estimated from the network, the request and the dataset's stored sizes (nothing is
/// decoded).</summary>
public static class JobMemory
{
    public static TrainingMemory Estimate(NetworkSpec spec, TrainingJobRequest request, int rows, int width) =>
        TrainingMemory.Estimate(spec, request.ToOptions(), rows, width, Math.Max(1, spec.OutputWidth));

    /// <summary>The estimate of a stored job, or null when the job or its dataset is gone (the run then fails as it
    /// would anyway).</summary>
    public static async Task<TrainingMemory?> EstimateAsync(BackpropDbContext db, Guid jobId, CancellationToken ct)
    {
        var job = await db.Set<TrainingJob>().AsNoTracking().Where(j => j.Id == jobId)
            .Select(j => new { j.DatasetId, j.NetworkJson, j.Request }).SingleOrDefaultAsync(ct);
        if (job is null) return null;
        var dataset = await db.Set<DatasetEntity>().AsNoTracking().Where(d => d.Id == job.DatasetId)
            .Select(d => new { d.RowCount, d.FeatureCount }).SingleOrDefaultAsync(ct);
        if (dataset is null) return null;
        var spec = NetworkMapping.ReadDefinition(job.NetworkJson).ToSpec();
        return TrainingMemory.Estimate(spec, job.Request.ToOptions(), dataset.RowCount, dataset.FeatureCount,
            Math.Max(1, spec.OutputWidth));
    }

    /// <summary>The 400 problem for a job over Jobs:MaxJobMemoryBytes, naming the parts and the largest batch that
    /// fits; null when it fits.</summary>
    public static ProblemErrors? OverLimit(TrainingMemory memory, long limit)
    {
        if (memory.TotalBytes <= limit) return null;
        long fixedBytes = memory.ParameterBytes + memory.DataBytes;
        long perRow = Math.Max(1, memory.ActivationBytesPerRow);
        string fix = fixedBytes >= limit
            ? "The parameters and dataset alone are over the limit: use a narrower network or a smaller dataset."
            : $"Use batchSize {Math.Max(1, (limit - fixedBytes) / perRow):N0} or less, or a narrower network.";
        return ProblemErrors.Single("batchSize",
            $"This job needs an estimated {Mb(memory.TotalBytes)} of working memory (activations and deltas for a " +
            $"batch of {memory.Batch:N0} rows: "
            + $"{Mb(memory.ActivationBytes)}; parameters and optimizer state: {Mb(memory.ParameterBytes)}; "
            + $"decoded dataset: {Mb(memory.DataBytes)}), "
            + $"over this service's limit of {Mb(limit)} per job (Jobs:MaxJobMemoryBytes). {fix}");
    }

    private static string Mb(long bytes) => $"{bytes / (1024.0 * 1024):N0} MiB";
}
