using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Security;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Jobs;

/// <summary>A dataset is in use while a job that trains on it is queued or running.</summary>
public sealed class DatasetUsage(BackpropDbContext db, ICurrentTenant tenant) : IDatasetUsage
{
    public Task<bool> IsInUseAsync(Guid datasetId, CancellationToken cancellationToken) =>
        db.Set<TrainingJob>().OwnedBy(tenant)
            .AnyAsync(j => j.DatasetId == datasetId && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running),
                cancellationToken);
}
