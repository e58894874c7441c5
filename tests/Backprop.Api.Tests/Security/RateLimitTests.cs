using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using Backprop.Api.Data;
using Microsoft.AspNetCore.Http;
using System.Text;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Api.Tests.Security;

/// <summary>Every expensive endpoint is rate-limited per tenant, Retry-After is the time left, and failed keys are
/// limited per address.</summary>
public sealed class RateLimitTests
{
    private const string Csv = "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n";

    [Fact]
    public async Task Upload_OverTheWindowsLimit_Returns429WithTheTimeLeftInTheWindow()
    {
        var clock = new TestClock();
        using var factory = new ApiFactory().With("RateLimits:UploadsPerWindow", "2").With("RateLimits:Window",
            "00:01:00")
            .WithServices(s => s.AddSingleton<TimeProvider>(clock));
        var client = factory.CreateClient();
        await client.UploadCsvAsync("one", Csv, "label");
        clock.Advance(TimeSpan.FromSeconds(40));
        await client.UploadCsvAsync("two", Csv, "label");

        var refused = await client.PostAsync("/api/datasets?name=three&targetColumn=label", new StringContent(Csv,
            Encoding.UTF8, "text/csv"));
        await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("20", refused.Headers.GetValues("Retry-After").Single()); // 60 s window, 40 s gone

        clock.Advance(TimeSpan.FromSeconds(20));
        await client.UploadCsvAsync("three", Csv, "label"); // a new window
        var list = await (await client.GetAsync("/api/datasets")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, (int)list["totalCount"]!);
    }

    [Theory]
    [InlineData("RateLimits:ImportsPerWindow", "import")]
    [InlineData("RateLimits:ExportsPerWindow", "export")]
    [InlineData("RateLimits:PreviewsPerWindow", "preview")]
    [InlineData("RateLimits:GradientChecksPerWindow", "gradient-check")]
    public async Task ExpensiveEndpoint_OverItsLimit_Returns429ForThatTenantOnly(string setting, string endpoint)
    {
        using var factory = new ApiFactory().With(setting, "1");
        var client = factory.CreateClient();
        var other = await factory.CreateTenantClientAsync("other");
        async Task<HttpResponseMessage> Call(HttpClient c)
        {
            var dataset = await c.UploadCsvAsync("d", Csv, "label");
            return endpoint switch
            {
                "import" => await c.PostJsonAsync("/api/models/import", ImportBody),
                "export" => await c.GetAsync($"/api/models/{await ImportAsync(c)}/weights"),
                "preview" => await c.GetAsync($"/api/datasets/{dataset}/rows"),
                _ => await c.PostAsJsonAsync(
                    $"/api/networks/{await c.CreateNetworkAsync(TwoClassNetwork)}/gradient-check",
                        new { datasetId = dataset, rows = 2 }),
            };
        }
        static async Task<Guid> ImportAsync(HttpClient c) =>
            (Guid)(await (await c.PostJsonAsync("/api/models/import", ImportBody))
                .ExpectAsync(HttpStatusCode.Created))["id"]!;

        Assert.True((await Call(client)).IsSuccessStatusCode);
        var refused = await Call(client);
        await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single()) is > 0 and <= 60);
        Assert.True((await Call(other)).IsSuccessStatusCode); // another tenant's window is its own
    }

    [Fact]
    public async Task WrongKeys_PastTheLimitPerAddress_Return429WithoutADatabaseQuery()
    {
        var commands = new RequestCommandCounter();
        using var factory = new ApiFactory().With("RateLimits:FailedAuthenticationsPerWindow", "3")
            .WithServices(s => s.AddSingleton<IHttpContextAccessor>(commands.Requests)
                .ConfigureDbContext<BackpropDbContext>(o => o.AddInterceptors(commands)));
        var good = factory.CreateClient();
        await (await good.GetAsync("/api/networks")).ExpectAsync(HttpStatusCode.OK); // verified once, then cached
        var wrong = factory.CreateClientWithKey("bp_" + new string('x', 43));

        for (int i = 0; i < 3; i++) await (await wrong.GetAsync("/api/networks"))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized);
        int before = commands.Count;
        for (int i = 0; i < 20; i++)
        {
            var refused = await wrong.GetAsync("/api/networks");
            await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single()) is > 0 and <= 60);
        }

        Assert.Equal(before, commands.Count);
        // a verified key from the same address still works
        await (await good.GetAsync("/api/networks")).ExpectAsync(HttpStatusCode.OK);
    }

    private static readonly object TwoClassNetwork = new
    {
        inputWidth = 2, layers = new object[] { new { units = 3, activation = "tanh" },
            new { units = 2, activation = "softmax" } },
        loss = "categorical_cross_entropy",
    };

    private const string ImportBody = """
        {"model": {"format": "backprop-model", "version": 1, "task": "regression",
         "spec": {"inputWidth": 2, "loss": "mean_squared_error", "layers": [{"units": 1, "activation": "identity"}]},
         "layers": [{"weights": [[2.0, -1.0]], "biases": [0.5]}]}}
        """;

    /// <summary>
    /// Counts the queries that requests run. The app's background services query on their own clocks (the selection
    /// coordinator's poll every 2 s, the worker's sweep), which a loaded machine can stretch into the counted loop; they
    /// run outside any request, so they have no HTTP context and are left out.
    /// </summary>
    private sealed class RequestCommandCounter : DbCommandInterceptor
    {
        private int _count;
        public int Count => Volatile.Read(ref _count);
        /// <summary>Registered in the app, so each request's context is set on it.</summary>
        public HttpContextAccessor Requests { get; } = new();

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command,
            CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (Requests.HttpContext is not null) Interlocked.Increment(ref _count);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
