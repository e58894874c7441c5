using System.Net;
using System.Net.Sockets;
using System.Text;
using Backprop.Api.Security;

namespace Backprop.Api.Tests.Security;

/// <summary>Behaviour only the real server has: Kestrel's body limits, and the development key of a loopback-only
/// service.</summary>
public sealed class KestrelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("backprop-kestrel-").FullName;

    private string DatabasePath => Path.Combine(_folder, "backprop.db");
    private string KeyFile => Path.Combine(_folder, DevelopmentKey.FileName);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private ApiFactory StartOnLoopback(ApiFactory factory)
    {
        factory.UseKestrel(0);
        factory.StartServer();
        return factory;
    }

    [Fact]
    public async Task Kestrel_BodyOverLimit_Returns413()
    {
        using var factory = StartOnLoopback(new ApiFactory().With("Limits:MaxRequestBodyBytes", "2048"));
        var body = $$"""
            {"name": "{{new string('x', 4096)}}", "inputWidth": 4, "layers": [], "loss": "mean_squared_error"}
            """;
        var response = await factory.CreateClient().PostJsonAsync("/api/networks/validate", body);
        var problem = await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("large", (string)problem["title"]!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Kestrel_BodyTricklingIn_Returns408()
    {
        using var factory = StartOnLoopback(new ApiFactory()
            .With("Limits:MinRequestBodyBytesPerSecond", "100").With("Limits:RequestBodyGracePeriod", "00:00:02"));
        var server = new Uri(factory.CreateClient().BaseAddress!, "/");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var stream = tcp.GetStream();
        var head = $"POST /api/networks/validate HTTP/1.1\r\nHost: {server.Authority}\r\nAuthorization: " +
            $"Bearer {ApiFactory.DefaultKey}\r\n"
            + "Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n{\"name\": \"";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        var received = new StringBuilder();
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0) break;
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        Assert.StartsWith("HTTP/1.1 408", received.ToString());
    }

    [Fact]
    public async Task DevelopmentKey_LoopbackOnly_IsCreatedOnceAndRefusedOffLoopback()
    {
        string key;
        using (var first = StartOnLoopback(new ApiFactory(DatabasePath, sqlite: true) { KeepDatabase = true }))
        {
            Assert.True(File.Exists(KeyFile), "No development key file beside the database");
            key = File.ReadAllText(KeyFile).Trim();
            Assert.Matches("^bp_[A-Za-z0-9_-]{43}$", key);
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
            var network = await first.CreateClientWithKey(key).CreateIrisNetworkAsync();
            Assert.Equal(DevelopmentKey.TenantId, (string)(await (await first.CreateAdminClient()
                .GetAsync("/api/admin/keys?tenant=dev")).ReadJsonAsync())["items"]![0]!["tenant"]!);
            Assert.Equal(HttpStatusCode.NotFound, (await first.CreateClient().GetAsync($"/api/networks/{network}"))
                .StatusCode);
        }
        using (var second = StartOnLoopback(new ApiFactory(DatabasePath, sqlite: true) { KeepDatabase = true }))
        {
            Assert.Equal(key, File.ReadAllText(KeyFile).Trim()); // reused, not replaced
            await (await second.CreateClientWithKey(key).GetAsync("/api/networks")).ExpectAsync(HttpStatusCode.OK);
        }
        using (var wide = new ApiFactory(DatabasePath, sqlite: true))
        {
            wide.UseKestrel(o => o.ListenAnyIP(0));
            wide.StartServer();
            Assert.False(File.Exists(KeyFile), "A service listening beyond loopback left the development key file");
            var client = wide.CreateClientWithKey(key);
            var port = new Uri(wide.CreateClient().BaseAddress!.ToString().Replace("[::]", "localhost")).Port;
            client.BaseAddress = new Uri($"http://127.0.0.1:{port}");
            await (await client.GetAsync("/api/networks")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://10.0.0.5:8080", false)]
    [InlineData("http://example.com:80", false)]
    public void IsLoopback_ListenAddress_IsTrueOnlyForLoopback(string address, bool loopback) => Assert.Equal(loopback,
        DevelopmentKey.IsLoopback(address));
}
