using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace Backprop.Api.Tests.Support;

/// <summary>
/// The real service as a child process (<c>dotnet Backprop.Api.dll</c>, the build the tests reference, copied beside
/// them) on a SQLite file in its own folder, so a test can kill it (SIGKILL), stop it (SIGTERM) and start it again on
/// the same database. Clients carry the development key the service writes beside its database when it listens on
/// loopback only; a service given PostgreSQL (where there is no development key) and an Auth:AdminKey uses the admin
/// key. A start waits for the service's own signal that it has started (the host logs it once every hosted service has
/// started: the server listens, migrations ran, the development key is written) or for the process's exit, whichever
/// comes first; only a hang meets <see cref="HangGuard"/>.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    /// <summary>Only a service that hangs gets there: a slow start on a loaded machine still starts.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(10);
    // Logged by the host (category Microsoft.Hosting.Lifetime) after every hosted service's StartedAsync.
    private const string StartedLine = "Application started.";
    private readonly StringBuilder _log = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = []; // guarded by _log
    private readonly Dictionary<string, string> _settings;
    private Process? _process;
    private int _launchedAt; // where the current start's lines begin in the log

    public ServiceProcess(IReadOnlyDictionary<string, string>? settings = null)
    {
        Folder = Directory.CreateTempSubdirectory("backprop-service-").FullName;
        _settings = new(settings ?? new Dictionary<string, string>());
        _settings.TryAdd("ConnectionStrings:Backprop", $"Data Source={DatabasePath}");
        // The start signal, whatever level the other categories log at.
        _settings["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information";
    }

    /// <summary>The test's output, which gets everything the service logged when the service is disposed: a failing
    /// test shows it beside the failure.</summary>
    public ITestOutputHelper? Output { get; init; }
    public string Folder { get; }
    public string DatabasePath => Path.Combine(Folder, "backprop.db");
    public Uri? BaseAddress { get; private set; }
    /// <summary>Everything the service wrote to stdout and stderr, over all its starts.</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }
    public bool HasExited => _process is null || _process.HasExited;
    /// <summary>The running process's id (part of its workers' lease owner names).</summary>
    public int? ProcessId => HasExited ? null : _process!.Id;
    /// <summary>On PostgreSQL (no development key) readiness and the returned client use Auth:AdminKey.</summary>
    private string? AdminKey =>
        _settings.GetValueOrDefault("Database:Provider") == "postgres" ? _settings["Auth:AdminKey"] : null;

    /// <summary>A setting for the next starts (a path inside <see cref="Folder"/>, say).</summary>
    public void Configure(string key, string value) => _settings[key] = value;

    /// <summary>Waits until the log holds <paramref name="text"/> (an event the service reports), failing if the
    /// process exits first; <paramref name="timeout"/> is a hang guard.</summary>
    public Task WaitForLogAsync(string text, TimeSpan timeout) => WaitForLineOrExitAsync(text, 0, timeout);

    /// <summary>Until a line holding <paramref name="text"/> is logged at or after log offset <paramref
    /// name="from"/>; throws if the process exits first or <paramref name="guard"/> passes.</summary>
    private async Task WaitForLineOrExitAsync(string text, int from, TimeSpan guard)
    {
        var process = _process ?? throw new InvalidOperationException("The service was never started.");
        var waiter = (text, Seen: new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_log)
        {
            if (_log.ToString(from, _log.Length - from).Contains(text, StringComparison.Ordinal)) return;
            _waiters.Add(waiter);
        }
        try
        {
            var exited = process.WaitForExitAsync();
            try { await Task.WhenAny(waiter.Seen.Task, exited).WaitAsync(guard); }
            catch (TimeoutException)
            {
                throw new TimeoutException($"The service hung: no '{text}' in {guard}:\n{Log}");
            }
            if (waiter.Seen.Task.IsCompleted) return;
            process.WaitForExit(); // drains the output, so the message below has all of it
            throw new InvalidOperationException(
                $"The service exited with {process.ExitCode} before it logged '{text}':\n{Log}");
        }
        finally
        {
            lock (_log) _waiters.Remove(waiter);
        }
    }

    /// <summary>Starts the process (a fresh port each time) without waiting for it to be ready.</summary>
    public void Launch()
    {
        if (!HasExited) throw new InvalidOperationException("The service is already running.");
        var port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Backprop.Api.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(BaseAddress.ToString());
        foreach (var (key, value) in _settings)
        {
            info.ArgumentList.Add($"--{key}");
            info.ArgumentList.Add(value);
        }
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_gcServer"] = "0";
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        Append($"---- start on {BaseAddress} ----");
        lock (_log) _launchedAt = _log.Length;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>Starts the process and waits until it has started; returns a client with the development key (the
    /// admin key on PostgreSQL).</summary>
    public async Task<HttpClient> StartAsync()
    {
        Launch();
        return await WaitUntilReadyAsync();
    }

    /// <summary>Waits for the current start's signal (or the process's exit), then checks once that the service is
    /// ready and its key works.</summary>
    public async Task<HttpClient> WaitUntilReadyAsync()
    {
        int launchedAt;
        lock (_log) launchedAt = _launchedAt;
        await WaitForLineOrExitAsync(StartedLine, launchedAt, HangGuard);
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = HangGuard };
        var ready = await probe.GetAsync("/health/ready");
        Assert.True(ready.StatusCode == HttpStatusCode.OK,
            $"Started, but /health/ready answered {(int)ready.StatusCode}:\n{Log}");
        var key = AdminKey ?? (await File.ReadAllTextAsync(Path.Combine(Folder, "dev-api-key.txt"))).Trim();
        var client = CreateClient(key);
        var check = await client.GetAsync(AdminKey is null ? "/api/jobs?pageSize=1" : "/api/admin/keys?pageSize=1");
        Assert.True(check.StatusCode == HttpStatusCode.OK,
            $"Started, but the key was refused with {(int)check.StatusCode}:\n{Log}");
        return client;
    }

    public HttpClient CreateClient(string key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>SIGKILL: the process gets no chance to write anything.</summary>
    public void Kill()
    {
        if (HasExited) return;
        _process!.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as a container runtime stops a service; returns the exit code and how long the process took to
    /// exit.</summary>
    public async Task<(int ExitCode, TimeSpan Took)> TerminateAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", _process!.Id.ToString()])) await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // drains the output
        return (_process.ExitCode, clock.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        Output?.WriteLine(Log);
        _process?.Dispose();
        await Task.Delay(50);
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (
            UnauthorizedAccessException) { }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            _log.AppendLine(line);
            foreach (var (text, seen) in _waiters)
                if (line.Contains(text, StringComparison.Ordinal)) seen.TrySetResult();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
