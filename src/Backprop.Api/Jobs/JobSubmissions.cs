using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Models;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Jobs;

/// <summary>
/// Group commit of submitted jobs. A submission that arrives while another batch is being written waits for it and is
/// then written with every other one that arrived meanwhile, in one transaction: per tenant one quota lock, one read of
/// what the tenant holds, one check per job in arrival order (each admitted job counted before the next is checked, so
/// the answers are those of one transaction per job), one commit and one wake-up. On SQLite every write serialises on
/// the file's lock, so 16 concurrent submissions otherwise took 16 transactions of ten quota queries and a commit each
/// (about 19 ms a job on a quiet machine); a lone submission is written at once, as before.
/// </summary>
public sealed class JobSubmissions(IServiceScopeFactory scopes, IOptions<TenancyOptions> tenancy,
    DatabaseInfo database, JobQueue queue, ClusterEvents events, SqliteWriteGate gate)
{
    private sealed record Submission(TrainingJob Job, int HistoryRows, long ModelBytes,
        TaskCompletionSource<ProblemHttpResult?> Done);

    private readonly Lock _lock = new();
    private List<Submission> _waiting = [];
    private bool _writing;

    /// <summary>
    /// Queues <paramref name="job"/> unless its dataset is gone (404) or it is over one of the tenant's quotas (409):
    /// room for one more queued job, its models, <paramref name="historyRows"/> more history rows and
    /// <paramref name="modelBytes"/> more model bytes. Null once the job is stored and the workers are woken.
    /// </summary>
    public Task<ProblemHttpResult?> SubmitAsync(TrainingJob job, int historyRows, long modelBytes)
    {
        var submission = new Submission(job, historyRows, modelBytes,
            new TaskCompletionSource<ProblemHttpResult?>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool lead;
        lock (_lock)
        {
            _waiting.Add(submission);
            lead = !_writing;
            _writing = true;
        }
        if (lead) _ = Task.Run(WriteWaitingAsync, CancellationToken.None);
        return submission.Done.Task;
    }

    private async Task WriteWaitingAsync()
    {
        while (true)
        {
            List<Submission> batch;
            lock (_lock)
            {
                if (_waiting.Count == 0)
                {
                    _writing = false;
                    return;
                }
                (batch, _waiting) = (_waiting, []);
            }
            // A storage error answers every request of the batch as it would have answered one.
            try { await WriteAsync(batch); }
            catch (Exception e) { foreach (var s in batch) s.Done.TrySetException(e); }
        }
    }

    private async Task WriteAsync(List<Submission> batch)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BackpropDbContext>();
        var answers = new ProblemHttpResult?[batch.Count];
        var admittedTenants = new List<string>();
        using (await gate.EnterAsync())
        await using (var tx = await db.Database.BeginTransactionAsync(CancellationToken.None))
        {
            foreach (var group in batch.Select((s, i) => (Submission: s, Index: i)).GroupBy(s => s.Submission.Job
                .TenantId).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                if (await CheckTenantAsync(db, group.Key, [.. group], answers)) admittedTenants.Add(group.Key);
            }
            await db.SaveChangesAsync(CancellationToken.None);
            await tx.CommitAsync(CancellationToken.None);
        }
        if (admittedTenants.Count > 0)
        {
            queue.Wake();
            foreach (var tenant in admittedTenants)
                await events.PublishAsync(db, ClusterEvent.JobQueued, tenant, CancellationToken.None);
        }
        for (int i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(answers[i]);
    }

    /// <summary>Adds the tenant's jobs that fit, in arrival order, and answers the others; true when any was
    /// added.</summary>
    private async Task<bool> CheckTenantAsync(BackpropDbContext db, string tenantId,
        IReadOnlyList<(Submission Submission, int Index)> submissions, ProblemHttpResult?[] answers)
    {
        var ct = CancellationToken.None;
        var limits = tenancy.Value;
        var tenant = new TenantContext();
        tenant.Set(tenantId);
        await TenantQuotas.LockTenantAsync(db, database, tenantId, ct);
        var datasetIds = submissions.Select(s => s.Submission.Job.DatasetId).Distinct().ToList();
        var datasets = await db.Set<DatasetEntity>().OwnedBy(tenant).Where(d => datasetIds.Contains(d.Id))
            .Select(d => d.Id).ToListAsync(ct);
        var (queued, unfinished) = await TenantQuotas.UnfinishedJobsAsync(db, tenant, ct);
        int models = await db.Set<ModelEntity>().OwnedBy(tenant).CountAsync(ct);
        var (historyStored, historyPending) = await TenantQuotas.HistoryRowsAsync(db, tenant, ct);
        long modelBytes = await TenantQuotas.StoredModelBytesAsync(db, tenant, ct);
        bool any = false;
        foreach (var (s, index) in submissions)
        {
            var job = s.Job;
            answers[index] = !datasets.Contains(job.DatasetId)
                ? TypedResults.Problem($"Dataset {job.DatasetId} does not exist.",
                    statusCode: StatusCodes.Status404NotFound, title: "Not found")
                : TenantQuotas.JobsExceeded(unfinished, queued, 1, limits)
                    ?? TenantQuotas.ModelsExceeded(models, limits)
                    ?? TenantQuotas.HistoryRowsExceeded(historyStored, historyPending, s.HistoryRows, limits)
                    ?? TenantQuotas.ModelBytesExceeded(modelBytes, s.ModelBytes, limits);
            if (answers[index] is not null) continue;
            db.Add(job);
            // what this job holds once it is queued, as the next job's own transaction would count it
            (queued, unfinished) = (queued + 1, unfinished + 1);
            historyPending += job.Epochs - job.Epoch;
            any = true;
        }
        return any;
    }
}
