using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Xunit.Abstractions;

namespace Backprop.Api.Tests.Jobs;

/// <summary>
/// Three replicas (child processes) on one PostgreSQL database, 30 jobs from three tenants submitted through all three,
/// and a
/// replica that is running a job killed (SIGKILL) and restarted each time a few more jobs have finished. Every job must
/// succeed exactly once with a contiguous history and its tenant's reference weights; no attempt is ever claimed twice;
/// the surviving replicas answer predictions while one is down.
/// </summary>
[Collection(ServiceProcessCollection.Name)]
public sealed partial class ReplicaChaosTests(ITestOutputHelper output)
{
    private const int Replicas = 3, Tenants = 3, Jobs = 30, Epochs = 60, MaxKills = 6;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5); // only a hang gets there

    [PostgresFact]
    public async Task Replicas_KilledWhileRunningJobs_FinishEveryJobOnceWithTheWeightsOfAnUndisturbedRun()
    {
        var database = TestDatabase.CreatePostgres();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var services = Enumerable.Range(0, Replicas)
            .Select(_ => new ServiceProcess(Settings(database)) { Output = output }).ToArray();
        try
        {
            // One after another, each with the test's timeout: three cold starts at once on a loaded 2-core machine are
            // slow.
            var admins = new List<HttpClient>();
            foreach (var service in services) admins.Add(await service.StartAsync());
            var keys = new string[Tenants];
            for (int t = 0; t < Tenants; t++) keys[t] = await CreateKeyAsync(admins[0], $"tenant-{t}");
            var setups = new (Guid Network, Guid Dataset)[Tenants];
            for (int t = 0; t < Tenants; t++)
                setups[t] = await DigitsJob.CreateAsync(services[t].CreateClient(keys[t]));

            // Submitted through every replica in turn, tenants interleaved.
            var jobs = new (Guid Id, int Tenant)[Jobs];
            for (int i = 0; i < Jobs; i++)
            {
                int tenant = i % Tenants;
                var client = services[i / Tenants % Replicas].CreateClient(keys[tenant]);
                jobs[i] = (await StartAsync(client, setups[tenant], tenant), tenant);
            }

            output.WriteLine($"{clock.Elapsed}: {Jobs} jobs submitted");
            var watcher = services[0].CreateClient(keys[0]);
            var firstModel = (await watcher.WaitForJobAsync(jobs[0].Id, timeout: Timeout))["modelId"]!.ToString();
            var random = new Random(12345);
            int kills = 0, finishedAtLastKill = 0;
            while (true)
            {
                var finished = await CountFinishedAsync(database);
                if (finished == Jobs) break;
                // A kill after every few finished jobs (events, not a clock); the victim is a replica running a job
                // right now.
                if (kills < MaxKills && finished >= finishedAtLastKill + 2
                    && await RunningOwnerPidsAsync(database) is { Count: > 0 } pids)
                {
                    var victim = services.FirstOrDefault(s => s.ProcessId is { } pid && pids.Contains(pid));
                    if (victim is not null)
                    {
                        victim.Kill();
                        kills++;
                        finishedAtLastKill = finished;
                        int index = Array.IndexOf(services, victim);
                        output.WriteLine($"{clock.Elapsed}: kill {kills}: replica {index} with {finished} finished");
                        foreach (var survivor in services.Where(s => s != victim))
                            await (await survivor.CreateClient(keys[0])
                                .PostAsJsonAsync($"/api/models/{firstModel}/predict",
                                new { rows = new[] { new float[64] } }))
                                .ExpectAsync(HttpStatusCode.OK);
                        await victim.StartAsync();
                    }
                }
                await Task.Delay(100);
            }
            output.WriteLine($"{clock.Elapsed}: all {Jobs} jobs finished");
            Assert.True(kills >= 1, "no kill landed while a job ran");

            // Every job once, complete, with the weights of the same job run alone on an undisturbed replica.
            var reference = new string[Tenants];
            for (int t = 0; t < Tenants; t++)
            {
                var client = services[0].CreateClient(keys[t]);
                var alone = await DigitsJob.AssertSucceededWithContiguousHistoryAsync(client, await StartAsync(client,
                    setups[t], t), Epochs, Timeout);
                reference[t] = await DigitsJob.WeightsAsync(client, alone);
            }
            var log = string.Join("\n", services.Select(s => s.Log));
            foreach (var (id, tenant) in jobs)
            {
                var client = services[1].CreateClient(keys[tenant]);
                var job = await DigitsJob.AssertSucceededWithContiguousHistoryAsync(client, id, Epochs, Timeout);
                Assert.Equal(reference[tenant], await DigitsJob.WeightsAsync(client, job));
                // No two workers ever held the same attempt: every claim is logged with the attempt number it took.
                var attempts = ClaimLine().Matches(log).Where(m => m.Groups["job"].Value == id.ToString())
                    .Select(m => int.Parse(m.Groups["attempt"].Value)).ToList();
                Assert.Equal(attempts.Count, attempts.Distinct().Count());
                Assert.All(attempts, a => Assert.InRange(a, 1, (int)job["attempt"]!));
            }
            Assert.Equal(Jobs, await CountModelsAsync(database, jobs.Select(j => j.Id)));
            var perJob = await Task.WhenAll(jobs.Select(async j =>
                (int)(await services[2].CreateClient(keys[j.Tenant]).GetJobAsync(j.Id))["attempt"]!));
            output.WriteLine($"{kills} kills; attempts per job: {string.Join(",", perJob)}");
        }
        finally
        {
            foreach (var s in services) await s.DisposeAsync();
            TestDatabase.DropPostgres(database);
        }
    }

    [GeneratedRegex(@"Job (?<job>[0-9a-f-]{36}) claimed by worker \S+, attempt (?<attempt>\d+)\.")]
    private static partial Regex ClaimLine();

    private static Dictionary<string, string> Settings(string database)
    {
        var settings = DigitsJob.FastRecoverySettings();
        settings["Database:Provider"] = "postgres";
        settings["ConnectionStrings:Backprop"] = TestDatabase.PostgresConnectionString(database);
        settings["Auth:AdminKey"] = ApiFactory.AdminKey;
        settings["Jobs:MaxConcurrentJobs"] = "1";
        settings["Tenancy:MaxQueuedJobs"] = "100";
        settings["Tenancy:MaxConcurrentJobs"] = "100";
        return settings;
    }

    private static async Task<Guid> StartAsync(HttpClient client, (Guid Network, Guid Dataset) setup, int tenant)
    {
        var request = new
        {
            networkId = setup.Network, datasetId = setup.Dataset, epochs = Epochs, batchSize = 16, seed = 100 + tenant,
                validationFraction = 0.2,
            optimizer = new { kind = "adam", learningRate = 1e-3 },
        };
        return (Guid)(await client.StartJobAsync(request))["id"]!;
    }

    private static async Task<string> CreateKeyAsync(HttpClient admin, string tenant)
    {
        var created = await (await admin.PostAsJsonAsync("/api/admin/keys", new { tenant, name = "chaos" }))
            .ExpectAsync(HttpStatusCode.Created);
        return (string)created["key"]!;
    }

    private static async Task<int> CountFinishedAsync(string database) =>
        (int)(long)(await ScalarAsync(database,
            """SELECT count(*) FROM "TrainingJobs" WHERE "Status" IN ('Succeeded', 'Failed', 'Cancelled')"""))!;

    private static async Task<int> CountModelsAsync(string database, IEnumerable<Guid> jobs)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.PostgresConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT count(*) FROM "Models" WHERE "JobId" = ANY(@jobs)""",
            connection);
        command.Parameters.AddWithValue("jobs", jobs.ToArray());
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Process ids of the replicas holding a live lease (lease owners are
    /// machine:pid:process:claim).</summary>
    private static async Task<HashSet<int>> RunningOwnerPidsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.PostgresConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """SELECT "LeaseOwner" FROM "TrainingJobs" WHERE "Status" = 'Running' AND "LeaseOwner" IS NOT NULL""",
            connection);
        var pids = new HashSet<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            if (reader.GetString(0).Split(':') is [_, var pid, ..] && int.TryParse(pid, out var p)) pids.Add(p);
        return pids;
    }

    private static async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.PostgresConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
