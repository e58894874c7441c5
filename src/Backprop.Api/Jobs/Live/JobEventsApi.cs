using System.Globalization;
using Backprop.Api.Data;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Jobs.Live;

/// <summary>GET /api/jobs/{id}/events: a job's progress as server-sent events (see <see
/// cref="JobEventStream"/>).</summary>
internal static class JobEventsApi
{
    public static RouteGroupBuilder MapJobEvents(this RouteGroupBuilder jobs)
    {
        jobs.MapGet("/{id:guid}/events", Events).WithName("StreamTrainingJobEvents")
            .WithSummary("Server-sent events: status on every transition, " +
                "one per epoch (at most Live:MaxEventsPerSecond), resumable with Last-Event-ID; ends with the job")
            .Produces<EpochResponse>(StatusCodes.Status200OK, "text/event-stream");
        return jobs;
    }

    private static async Task<Results<ServerSentEventsResult<string>, NotFound<ProblemDetails>,
        ValidationProblem>> Events(
        Guid id, HttpContext http, BackpropDbContext db, ICurrentTenant tenant, LiveJobs live,
            IOptions<LiveOptions> options,
        IOptions<JsonOptions> json, CancellationToken ct)
    {
        int cursor = 0;
        if (http.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } last
            && !(int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out cursor)))
            return TypedResults.ValidationProblem(ProblemErrors.Single("Last-Event-ID",
                $"Last-Event-ID is an epoch number from this stream, got '{last}'.").ToDictionary());
        if (!await db.Set<TrainingJob>().OwnedBy(tenant).AnyAsync(j => j.Id == id, ct))
            return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Not found",
                Detail = $"Job {id} does not exist." });
        var stream = new JobEventStream(id, cursor, db, live, options.Value, json.Value.SerializerOptions,
            http.Response);
        return TypedResults.ServerSentEvents(stream.ReadAsync(ct));
    }
}
