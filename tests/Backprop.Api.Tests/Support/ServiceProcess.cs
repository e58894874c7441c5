using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Backprop.Api.Tests.Support;

/// <summary>
/// The real service as a child process (<c>dotnet Backprop.Api.dll</c>, the build the tests reference, copied beside
/// them) on a
/// SQLite file in its own folder, so a test can kill it (SIGKILL), stop it (SIGTERM) and start it again on the same
/// database.
/// Clients carry the development key the service writes beside its database when it listens on loopback only; a service
/// given
/// PostgreSQL (where there is no development key) and an Auth:AdminKey is ready when the admin key works.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly StringBuilder _log = new();
    private readonly Dictionary<string, string> _settings;
    private Process? _process;

    public ServiceProcess(IReadOnlyDictionary<string, string>? settings = null)
    {
        Folder = Directory.CreateTempSubdirectory("backprop-service-").FullName;
        _settings = new(settings ?? new Dictionary<string, string>());
        _settings.TryAdd("ConnectionStrings:Backprop", $"Data Source={DatabasePath}");
    }

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
    /// process exits first.</summary>
    public async Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (HasExited) throw new InvalidOperationException($"The service exited before it logged '{text}':\n{Log}");
            if (deadline.Elapsed > timeout) throw new TimeoutException(
                $"The service did not log '{text}' within {timeout}:\n{Log}");
            await Task.Delay(20);
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
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>Starts the process and waits until /health/ready answers 200 and the development key works; returns a
    /// client with it.</summary>
    public async Task<HttpClient> StartAsync(TimeSpan? timeout = null)
    {
        Launch();
        return await WaitUntilReadyAsync(timeout ?? ReadyTimeout);
    }

    public async Task<HttpClient> WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        var keyFile = Path.Combine(Folder, "dev-api-key.txt");
        while (true)
        {
            if (HasExited) throw new InvalidOperationException(
                $"The service exited with {_process?.ExitCode} before it was ready:\n{Log}");
            try
            {
                // The key file appears just after the server starts listening, and is written after it is created.
                if (AdminKey is { } admin && (await probe.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    var client = CreateClient(admin);
                    if ((await client.GetAsync("/api/admin/keys?pageSize=1")).StatusCode == HttpStatusCode.OK)
                        return client;
                    client.Dispose();
                }
                else if ((await probe.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK && File.Exists(keyFile)
                    && (await File.ReadAllTextAsync(keyFile)).Trim() is { Length: > 0 } key)
                {
                    var client = CreateClient(key);
                    if ((await client.GetAsync("/api/jobs?pageSize=1")).StatusCode == HttpStatusCode.OK) return client;
                    client.Dispose();
                }
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            catch (IOException) { }
            if (deadline.Elapsed > timeout) throw new TimeoutException(
                $"The service was not ready after {timeout}:\n{Log}");
            await Task.Delay(50);
        }
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
        _process?.Dispose();
        await Task.Delay(50);
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (
            UnauthorizedAccessException) { }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
