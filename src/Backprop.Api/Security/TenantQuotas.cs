using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Jobs;
using Backprop.Api.Models;
using Backprop.Api.Networks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Security;

/// <summary>
/// Per-tenant quotas (<see cref="TenancyOptions"/>), checked where a resource is created and answered 409 Conflict: the
/// request is valid, the tenant's current holdings conflict with it, and deleting or finishing something resolves it.
/// Check and insert run in one database transaction that first takes the tenant's lock, so that concurrent requests, on
/// this replica or another, cannot both take the last slot, while other tenants' creations go on: on PostgreSQL a
/// transaction-scoped advisory lock per tenant; on SQLite the transaction's write lock (BEGIN IMMEDIATE), which the one
/// writer of an SQLite file takes for any write anyway.
/// </summary>
public sealed class TenantQuotas(IOptions<TenancyOptions> options, BackpropDbContext db, ICurrentTenant tenant,
    DatabaseInfo database)
{
    /// <summary>Runs <paramref name="check"/> and, when it finds nothing over quota, <paramref name="create"/>, in one
    /// transaction holding the tenant's lock.</summary>
    public Task<ProblemHttpResult?> CreateWithinAsync(Func<TenancyOptions, Task<ProblemHttpResult?>> check,
        Func<Task> create, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            if (await check(options.Value) is { } exceeded) return exceeded;
            await create();
            return null;
        }, ct);

    /// <summary>
    /// Runs <paramref name="body"/> in one transaction holding the tenant's lock, and commits unless it answers a
    /// problem (then nothing it wrote stays). A deletion that must not race a creation (a dataset and a new job that
    /// uses it) runs here too.
    /// </summary>
    public async Task<ProblemHttpResult?> LockedAsync(Func<Task<ProblemHttpResult?>> body, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await LockTenantAsync(db, database, tenant.Id, ct);
        if (await body() is { } problem) return problem; // rolled back on dispose
        await tx.CommitAsync(ct);
        return null;
    }

    /// <summary>Takes the tenant's quota lock for the transaction <paramref name="db"/> is in (see the class
    /// summary); a transaction that locks several tenants takes them in ordinal order.</summary>
    public static async Task LockTenantAsync(BackpropDbContext db, DatabaseInfo database, string tenantId,
        CancellationToken ct)
    {
        if (database.IsPostgres)
            await db.Database.ExecuteSqlAsync(
                $"SELECT pg_advisory_xact_lock({AdvisoryLocks.TenantQuota}, hashtext({tenantId}))", ct);
    }

    /// <summary>Room for <paramref name="adding"/> more queued jobs (a cross-validation's folds, a search's trial); a
    /// cross-validation parent trains nothing and is not counted.</summary>
    public static async Task<ProblemHttpResult?> CheckJobsAsync(BackpropDbContext db, ICurrentTenant tenant,
        TenancyOptions limits, CancellationToken ct, int adding = 1)
    {
        var (queued, total) = await UnfinishedJobsAsync(db, tenant, ct);
        return JobsExceeded(total, queued, adding, limits) ?? await CheckModelsAsync(db, tenant, limits, ct);
    }

    /// <summary>The tenant's queued jobs and its unfinished (queued or running) ones; a cross-validation parent trains
    /// nothing and is not counted.</summary>
    public static async Task<(int Queued, int Unfinished)> UnfinishedJobsAsync(BackpropDbContext db,
        ICurrentTenant tenant, CancellationToken ct)
    {
        var unfinished = await db.Set<TrainingJob>().OwnedBy(tenant).Where(j => j.FoldCount == null
            && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running))
            .GroupBy(j => j.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct);
        return (unfinished.Where(g => g.Status == JobStatus.Queued).Sum(g => g.Count), unfinished.Sum(g => g.Count));
    }

    /// <summary>The problem when <paramref name="adding"/> more queued jobs do not fit beside the tenant's
    /// <paramref name="total"/> unfinished ones, <paramref name="queued"/> of them queued.</summary>
    public static ProblemHttpResult? JobsExceeded(int total, int queued, int adding, TenancyOptions limits)
    {
        string more = adding > 1 ? $" (this request adds {adding})" : "";
        if (total + adding > limits.MaxConcurrentJobs)
            return Exceeded($"This tenant has {total} unfinished training jobs{more}, " +
                $"its limit (Tenancy:MaxConcurrentJobs = {limits.MaxConcurrentJobs}); wait for one to finish or " +
                "cancel one.");
        if (queued + adding > limits.MaxQueuedJobs)
            return Exceeded($"This tenant has {queued} queued training jobs{more}, its limit (Tenancy:MaxQueuedJobs " +
                $"= {limits.MaxQueuedJobs}); wait for the queue to drain or cancel one.");
        return null;
    }

    /// <summary>A job that succeeds stores a model, so a job is refused once the tenant holds its limit of
    /// models.</summary>
    public static async Task<ProblemHttpResult?> CheckModelsAsync(BackpropDbContext db, ICurrentTenant tenant,
        TenancyOptions limits, CancellationToken ct) =>
        ModelsExceeded(await db.Set<ModelEntity>().OwnedBy(tenant).CountAsync(ct), limits);

    public static ProblemHttpResult? ModelsExceeded(int models, TenancyOptions limits) =>
        models >= limits.MaxModels
            ? Exceeded($"This tenant has {models} models, its limit (Tenancy:MaxModels = {limits.MaxModels}); " +
                "delete models it no longer needs.")
            : null;

    public static async Task<ProblemHttpResult?> CheckDatasetBytesAsync(BackpropDbContext db, ICurrentTenant tenant,
        long adding, TenancyOptions limits, CancellationToken ct)
    {
        long stored = await db.Set<DatasetEntity>().OwnedBy(tenant).SumAsync(d => (long?)d.SizeBytes, ct) ?? 0;
        return stored + adding > limits.MaxDatasetBytes
            ? Exceeded($"This dataset needs {adding:N0} bytes; the tenant stores {stored:N0} of its " +
                $"{limits.MaxDatasetBytes:N0} (Tenancy:MaxDatasetBytes). Delete datasets it no longer needs.")
            : null;
    }

    /// <summary>The first quota a creation would exceed, checking in order; null when none.</summary>
    public static async Task<ProblemHttpResult?> FirstExceededAsync(params Func<Task<ProblemHttpResult?>>[] checks)
    {
        foreach (var check in checks)
            if (await check() is { } exceeded) return exceeded;
        return null;
    }

    /// <summary>What a trained model of this many parameters stores, about: its weights, and a snapshot of weights and
    /// two optimizer moments.</summary>
    public static long ModelBytesOf(long parameters) => parameters * sizeof(float) * 4;

    public static async Task<ProblemHttpResult?> CheckNetworksAsync(BackpropDbContext db, ICurrentTenant tenant,
        TenancyOptions limits, CancellationToken ct)
    {
        int networks = await db.Set<NetworkEntity>().OwnedBy(tenant).CountAsync(ct);
        return networks >= limits.MaxNetworks
            ? Exceeded($"This tenant has {networks} networks, its limit (Tenancy:MaxNetworks = " +
                $"{limits.MaxNetworks}); delete networks it no longer needs.")
            : null;
    }

    /// <summary>The tenant's stored model bytes (weights and training state) plus <paramref name="adding"/> against
    /// Tenancy:MaxModelBytes.</summary>
    public static async Task<ProblemHttpResult?> CheckModelBytesAsync(BackpropDbContext db, ICurrentTenant tenant,
        long adding, TenancyOptions limits, CancellationToken ct) =>
        ModelBytesExceeded(await StoredModelBytesAsync(db, tenant, ct), adding, limits);

    public static async Task<long> StoredModelBytesAsync(BackpropDbContext db, ICurrentTenant tenant,
        CancellationToken ct)
    {
        var owned = db.Set<ModelEntity>().OwnedBy(tenant).Select(m => m.Id);
        return await db.Set<ModelBlob>().Where(b => owned.Contains(b.ModelId))
            .SumAsync(b => (long?)b.Model.Length + (b.Snapshot == null ? 0 : b.Snapshot.Length), ct) ?? 0;
    }

    public static ProblemHttpResult? ModelBytesExceeded(long stored, long adding, TenancyOptions limits) =>
        stored + adding > limits.MaxModelBytes
            ? Exceeded($"This model needs about {adding:N0} bytes; the tenant stores {stored:N0} of its " +
                $"{limits.MaxModelBytes:N0} (Tenancy:MaxModelBytes). Delete models it no longer needs.")
            : null;

    /// <summary>
    /// History rows stored, plus the epochs unfinished jobs will still write, plus <paramref name="epochs"/> against
    /// Tenancy:MaxHistoryRows: a job is admitted only when its whole history fits.
    /// </summary>
    public static async Task<ProblemHttpResult?> CheckHistoryRowsAsync(BackpropDbContext db, ICurrentTenant tenant,
        int epochs, TenancyOptions limits, CancellationToken ct)
    {
        var (stored, pending) = await HistoryRowsAsync(db, tenant, ct);
        return HistoryRowsExceeded(stored, pending, epochs, limits);
    }

    /// <summary>The tenant's stored history rows, and the rows its unfinished jobs will still write.</summary>
    public static async Task<(long Stored, long Pending)> HistoryRowsAsync(BackpropDbContext db,
        ICurrentTenant tenant, CancellationToken ct)
    {
        // From the job rows, which count their history as they write it: one read of the tenant's jobs, however much
        // history they stored.
        var sums = await db.Set<TrainingJob>().OwnedBy(tenant).GroupBy(_ => 1).Select(g => new
        {
            Stored = g.Sum(j => (long)j.HistoryRows),
            Pending = g.Sum(j => j.Status == JobStatus.Queued || j.Status == JobStatus.Running
                ? (long)(j.Epochs - j.Epoch) : 0L),
        }).SingleOrDefaultAsync(ct);
        return sums is null ? (0, 0) : (sums.Stored, sums.Pending);
    }

    public static ProblemHttpResult? HistoryRowsExceeded(long stored, long pending, long epochs,
        TenancyOptions limits) =>
        stored + pending + epochs > limits.MaxHistoryRows
            ? Exceeded($"This job writes up to {epochs:N0} history rows; the tenant stores {stored:N0} and its " +
                $"unfinished jobs will write {pending:N0} more, "
                + $"of its {limits.MaxHistoryRows:N0} (Tenancy:MaxHistoryRows). Delete finished jobs it no longer "
                + "needs (DELETE /api/jobs/{id}).")
            : null;

    private static ProblemHttpResult Exceeded(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Tenant quota exceeded");
}
