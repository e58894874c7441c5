using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Backprop.Api.Jobs;

/// <summary>
/// Wake-up calls for the worker (job ids only; the job row is the truth) and the cancellation handles of the jobs
/// running in this process. An id waits in the queue at most once, so the periodic sweep can wake every queued job
/// without piling up calls.
/// </summary>
public sealed class JobQueue
{
    private readonly Channel<Guid> _channel = Channel.CreateUnbounded<Guid>(
        new UnboundedChannelOptions { SingleReader = false });
    private readonly ConcurrentDictionary<Guid, byte> _waiting = new();
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();

    public void Enqueue(Guid jobId)
    {
        if (_running.ContainsKey(jobId) || !_waiting.TryAdd(jobId, 0)) return;
        _channel.Writer.TryWrite(jobId);
    }

    public async IAsyncEnumerable<Guid> ReadAllAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var jobId in _channel.Reader.ReadAllAsync(ct))
        {
            _waiting.TryRemove(jobId, out _);
            yield return jobId;
        }
    }

    /// <summary>Registers a job about to run; the token fires on a cancel request, a lost lease or at host
    /// shutdown.</summary>
    public CancellationTokenSource Register(Guid jobId, CancellationToken stopping)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _running[jobId] = cts;
        return cts;
    }

    public void Unregister(Guid jobId, CancellationTokenSource cts) => _running.TryRemove(KeyValuePair.Create(jobId,
        cts));

    /// <summary>Signals a running job to stop; false when it isn't running in this process.</summary>
    public bool Cancel(Guid jobId)
    {
        if (!_running.TryGetValue(jobId, out var cts)) return false;
        try { cts.Cancel(); } catch (ObjectDisposedException) { return false; }
        return true;
    }
}
