using System.Net;
using System.Text;
using Backprop.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Api.Tests.Client;

/// <summary>
/// The client's resilience against a scripted handler: which answers are retried, after which delay. The delays are the
/// ones the retry strategy asks its clock for, recorded by <see cref="RecordingClock"/> and skipped, never waited.
/// </summary>
public sealed class ClientRetryTests
{
    private const string NetworkJson = """
        {"id": "0b7e4a5e-0000-4000-8000-000000000001", "name": "n", "inputWidth": 4, "outputWidth": 3,
         "layers": [{"units": 3, "activation": "softmax"}], "loss": "categorical_cross_entropy", "parameterCount": 15,
         "createdAt": "2026-12-06T00:00:00Z"}
        """;

    private static readonly NetworkDefinition Definition =
        new("n", 4, [new(3, Backprop.Client.ActivationKind.Softmax)], Backprop.Client.LossKind.CategoricalCrossEntropy);

    [Fact]
    public async Task CreateNetwork_AnsweredTooManyRequests_RetriesAfterTheRetryAfterItWasGiven()
    {
        var (client, handler, clock) = Build(TooManyRequests("7"), TooManyRequests("2"), Created(NetworkJson));

        var network = await client.CreateNetworkAsync(Definition);

        Assert.Equal("n", network.Name);
        Assert.Equal(3, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal(HttpMethod.Post, r.Method));
        Assert.Equal([TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(2)], clock.Delays);
        // sent whole each time
        Assert.All(handler.Bodies, b => Assert.Contains("\"loss\":\"categorical_cross_entropy\"", b));
    }

    [Fact]
    public async Task GetJob_AnsweredServiceUnavailable_RetriesWithItsOwnBackoff()
    {
        var (client, handler, clock) = Build(
            Status(HttpStatusCode.ServiceUnavailable), Status(HttpStatusCode.ServiceUnavailable),
            Ok("""{"id": "0b7e4a5e-0000-4000-8000-000000000002", "status": "queued", "epoch": 0, "epochs": 5}"""));

        var job = await client.GetJobAsync(Guid.Parse("0b7e4a5e-0000-4000-8000-000000000002"));

        Assert.Equal(Backprop.Client.JobStatus.Queued, job.Status);
        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal(2, clock.Delays.Count);
        Assert.All(clock.Delays, d => Assert.True(d > TimeSpan.Zero, $"{d}"));
    }

    [Fact]
    public async Task CreateNetwork_AnsweredInternalServerError_IsNotRetriedAndThrowsTheProblem()
    {
        var (client, handler, clock) = Build(Problem(HttpStatusCode.InternalServerError, "Boom", "Something broke."));

        var e = await Assert.ThrowsAsync<BackpropApiException>(() => client.CreateNetworkAsync(Definition));

        Assert.Single(handler.Requests);
        Assert.Empty(clock.Delays);
        Assert.Equal(HttpStatusCode.InternalServerError, e.StatusCode);
        Assert.Equal(("Boom", "Something broke.", 500), (e.Problem.Title, e.Problem.Detail, e.Problem.Status));
    }

    [Fact]
    public async Task CreateNetwork_StillTooManyRequestsAfterTheLastRetry_ThrowsThe429Problem()
    {
        var (client, handler, clock) = Build(
            TooManyRequests("1"), TooManyRequests("1"), TooManyRequests("1"), TooManyRequests("1"));

        var e = await Assert.ThrowsAsync<BackpropApiException>(() => client.CreateNetworkAsync(Definition));

        Assert.Equal(4, handler.Requests.Count); // the first attempt and MaxRetryAttempts = 3
        Assert.Equal(3, clock.Delays.Count);
        Assert.Equal(429, e.Problem.Status);
        Assert.Equal("Too many requests", e.Problem.Title);
    }

    private static (BackpropClient, ScriptedHandler, RecordingClock) Build(params Func<HttpResponseMessage>[] answers)
    {
        var handler = new ScriptedHandler(answers);
        var clock = new RecordingClock();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddBackpropClient(o =>
        {
            o.BaseAddress = new Uri("http://backprop.test/");
            o.ApiKey = "bp_key";
        }).ConfigurePrimaryHttpMessageHandler(() => handler);
        return (services.BuildServiceProvider().GetRequiredService<BackpropClient>(), handler, clock);
    }

    private static Func<HttpResponseMessage> TooManyRequests(string retryAfter) => () =>
    {
        var response = Problem(HttpStatusCode.TooManyRequests, "Too many requests", "Retry later.")();
        response.Headers.Add("Retry-After", retryAfter);
        return response;
    };

    private static Func<HttpResponseMessage> Problem(HttpStatusCode status, string title, string detail) =>
        () => new(status)
    {
        Content = new StringContent($$"""{"title": "{{title}}", "status": {{(int)status}}, "detail": "{{detail}}"}""",
            Encoding.UTF8, "application/problem+json"),
    };

    private static Func<HttpResponseMessage> Status(HttpStatusCode status) => () => new(status);

    private static Func<HttpResponseMessage> Ok(string json) => () =>
        new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static Func<HttpResponseMessage> Created(string json) => () =>
        new(HttpStatusCode.Created) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    /// <summary>Answers each request with the next scripted answer and keeps what it was sent.</summary>
    private sealed class ScriptedHandler(Func<HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];
        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Requests.Add(request);
            Bodies.Add(request.Content is null ? "" : await request.Content.ReadAsStringAsync(ct));
            Assert.Equal("Bearer bp_key", request.Headers.Authorization?.ToString());
            var response = answers[Requests.Count - 1]();
            response.RequestMessage = request;
            return response;
        }
    }

    /// <summary>
    /// The system clock, except that a timer created to fire once after a delay (a retry's wait) is recorded and fires
    /// at once. Timers created idle and set later (a timeout's cancellation) run on real time.
    /// </summary>
    private sealed class RecordingClock : TimeProvider
    {
        private readonly List<TimeSpan> _delays = [];

        public List<TimeSpan> Delays { get { lock (_delays) return [.. _delays]; } }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime == Timeout.InfiniteTimeSpan || period != Timeout.InfiniteTimeSpan)
                return System.CreateTimer(callback, state, dueTime, period);
            lock (_delays) _delays.Add(dueTime);
            return System.CreateTimer(callback, state, TimeSpan.Zero, period);
        }
    }
}
