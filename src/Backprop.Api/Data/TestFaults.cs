using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Backprop.Api.Data;

/// <summary>
/// FOR TESTS ONLY ("TestFaults" section; every setting is off by default, and the interceptor is not even registered
/// unless one is set): storage faults a test process cannot cause from outside, so the crash tests can make a
/// checkpoint write fail, fill the "disk" and hold a job in its dataset load, each as an event the test controls.
/// </summary>
public sealed class TestFaultOptions
{
    public const string Section = "TestFaults";

    /// <summary>History writes (checkpoints and final states) that succeed before <see cref="FailHistoryWrites"/> start
    /// failing.</summary>
    public int FailHistoryWritesAfter { get; set; }
    /// <summary>History writes that then fail with SQLITE_FULL, one after another; later ones succeed again.</summary>
    public int FailHistoryWrites { get; set; }
    /// <summary>History writes that go through before a write waits on <see
    /// cref="HoldHistoryWritesWhileFileExists"/>.</summary>
    public int HoldHistoryWritesAfter { get; set; }
    /// <summary>
    /// While this file exists, history writes after the first <see cref="HoldHistoryWritesAfter"/> wait (until it is
    /// deleted or the service begins to stop): the job is then caught mid-run, at the checkpoint after the held one, on
    /// a machine of any speed.
    /// </summary>
    public string? HoldHistoryWritesWhileFileExists { get; set; }
    /// <summary>Count <see cref="HoldHistoryWritesAfter"/> from a job's refit start (the write that sets its
    /// RefitFromEpoch, itself counted), so a job is caught mid-refit.</summary>
    public bool HoldHistoryWritesFromRefit { get; set; }
    /// <summary>While this file exists every write fails with SQLITE_FULL, as on a full disk.</summary>
    public string? DiskFullWhileFileExists { get; set; }
    /// <summary>While this file exists a job's load (after its claim, before its dataset and checkpoint are read)
    /// waits, until it is cancelled.</summary>
    public string? HoldJobLoadsWhileFileExists { get; set; }

    public bool Enabled => FailHistoryWrites > 0 || HoldHistoryWritesWhileFileExists is not null
        || DiskFullWhileFileExists is not null || HoldJobLoadsWhileFileExists is not null;
}

/// <summary>The EF Core command interceptor that applies <see cref="TestFaultOptions"/>.</summary>
public sealed partial class TestFaultInterceptor(TestFaultOptions options, IHostApplicationLifetime lifetime,
    ILogger<TestFaultInterceptor> logger) : DbCommandInterceptor
{
    private int _historyWrites, _heldWrites;
    private volatile bool _refitStarted;

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result)
    {
        Fail(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command,
        CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Fail(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result)
    {
        Fail(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command,
        CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (options.HoldHistoryWritesFromRefit && command.CommandText.Contains("\"RefitFromEpoch\" =",
            StringComparison.Ordinal)) _refitStarted = true;
        Fail(command);
        return ValueTask.FromResult(result);
    }

    /// <summary>The context's test-fault interceptor, or null (it is registered only for tests).</summary>
    public static TestFaultInterceptor? Of(DbContext db) => db.GetService<IDbContextOptions>()
        .FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<TestFaultInterceptor>().FirstOrDefault();

    /// <summary>
    /// Called by every job's load, after its claim and before anything else is read for it (on a first claim, with
    /// nothing to resume, a job reads no checkpoint), so a test can hold any job there.
    /// </summary>
    public async Task JobLoadAsync(CancellationToken ct)
    {
        if (options.HoldJobLoadsWhileFileExists is not { } flag || !File.Exists(flag)) return;
        logger.LogWarning("TestFaults: job load held.");
        while (File.Exists(flag)) await Task.Delay(20, ct);
    }

    /// <summary>Called by a write that adds history rows (a checkpoint or a job's final state), before the rows go
    /// in.</summary>
    public async Task HistoryWriteAsync()
    {
        await HoldHistoryWriteAsync();
        FailHistoryWrite();
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result)
    {
        Fail(command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command,
        CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Fail(command);
        return ValueTask.FromResult(result);
    }

    private async Task HoldHistoryWriteAsync()
    {
        if (options.HoldHistoryWritesWhileFileExists is not { } flag) return;
        if (options.HoldHistoryWritesFromRefit && !_refitStarted) return;
        if (Interlocked.Increment(ref _heldWrites) <= options.HoldHistoryWritesAfter || !File.Exists(flag)) return;
        logger.LogWarning("TestFaults: history write held.");
        while (File.Exists(flag) && !lifetime.ApplicationStopping.IsCancellationRequested) await Task.Delay(20,
            CancellationToken.None);
    }

    private void Fail(DbCommand command)
    {
        if (options.DiskFullWhileFileExists is { } flag && File.Exists(flag) && Write()
            .IsMatch(command.CommandText)) throw DiskFull();
    }

    private void FailHistoryWrite()
    {
        int n = Interlocked.Increment(ref _historyWrites);
        if (n > options.FailHistoryWritesAfter && n <= options.FailHistoryWritesAfter + options.FailHistoryWrites)
        {
            logger.LogWarning("TestFaults: history write {N} fails.", n);
            throw DiskFull();
        }
    }

    private static SqliteException DiskFull() => new("SQLite Error 13: 'database or disk is full'.", 13);

    [GeneratedRegex(@"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", RegexOptions.IgnoreCase
        | RegexOptions.Multiline)]
    private static partial Regex Write();
}
