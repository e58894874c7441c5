using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Backprop.Api.Tests.Support;

/// <summary>One server-sent event: its type, id (null when none) and JSON data.</summary>
public sealed record ServerEvent(string Type, string? Id, JsonNode Data)
{
    public int Epoch => (int)Data["epoch"]!;
    public string Status => (string)Data["status"]!;
}

/// <summary>A text/event-stream response read event by event, as a browser's parser would (comments counted, not
/// returned).</summary>
public sealed class EventStream : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private EventStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body, Encoding.UTF8);
    }

    public int Comments { get; private set; }

    /// <summary>Opens /api/jobs/{id}/events (with Last-Event-ID when given) and checks the response is an event
    /// stream.</summary>
    public static async Task<EventStream> OpenAsync(HttpClient client, Guid jobId, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{jobId}/events");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        // The body is read only for the failure message: a 200's body is the stream itself, which ends with the job.
        if (response.StatusCode != HttpStatusCode.OK)
            Assert.Fail($"Expected 200, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new EventStream(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next event, or null when the server ended the stream.</summary>
    public async Task<ServerEvent?> NextAsync()
    {
        string type = "message";
        string? id = null;
        var data = new StringBuilder();
        while (await _reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length == 0) continue;
                return new ServerEvent(type, id, JsonNode.Parse(data.ToString())!);
            }
            if (line.StartsWith(':')) { Comments++; continue; }
            int colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "event": type = value; break;
                case "id": id = value; break;
                case "data": data.Append(value); break;
            }
        }
        return null;
    }

    /// <summary>The text of the next comment line (a heartbeat), or null when the server ended the stream; for a
    /// stream that sends no event meanwhile (other lines are skipped).</summary>
    public async Task<string?> NextCommentAsync()
    {
        while (await _reader.ReadLineAsync() is { } line)
            if (line.StartsWith(':'))
            {
                Comments++;
                return line[1..].TrimStart(' ');
            }
        return null;
    }

    /// <summary>Events until the server ends the stream.</summary>
    public async Task<List<ServerEvent>> ReadToEndAsync()
    {
        var events = new List<ServerEvent>();
        while (await NextAsync() is { } e) events.Add(e);
        return events;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}
