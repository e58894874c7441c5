using System.Net;
using System.Net.Http.Json;

namespace Backprop.Api.Tests.Security;

/// <summary>A key of tenant B gets 404 for every id of tenant A on every endpoint, as for an id that does not
/// exist.</summary>
public sealed class TenantIsolationTests
{
    /// <summary>
    /// How to call each endpoint that takes an id, as "METHOD pattern" → JSON body (null: none). An endpoint with an id
    /// that is missing here fails the matrix, so a new endpoint cannot be left out of it.
    /// </summary>
    private static readonly Dictionary<string, Func<Ids, string?>> Calls = new()
    {
        ["GET /api/networks/{id:guid}"] = _ => null,
        ["DELETE /api/networks/{id:guid}"] = _ => null,
        ["POST /api/networks/{id:guid}/gradient-check"] = own => $$"""{"datasetId": "{{own.Dataset}}", "rows": 2}""",
        ["GET /api/datasets/{id:guid}"] = _ => null,
        ["GET /api/datasets/{id:guid}/rows"] = _ => null,
        ["DELETE /api/datasets/{id:guid}"] = _ => null,
        ["GET /api/jobs/{id:guid}"] = _ => null,
        ["GET /api/jobs/{id:guid}/history"] = _ => null,
        ["GET /api/jobs/{id:guid}/events"] = _ => null,
        ["POST /api/jobs/{id:guid}/cancel"] = _ => null,
        ["DELETE /api/jobs/{id:guid}"] = _ => null,
        ["POST /api/networks/{id:guid}/sanity-check"] = own =>
            $$"""{"datasetId": "{{own.Dataset}}", "rows": 8, "epochs": 5}""",
        ["GET /api/models/{id:guid}"] = _ => null,
        ["GET /api/models/{id:guid}/weights"] = _ => null,
        ["GET /api/models/{id:guid}/onnx"] = _ => null,
        ["DELETE /api/models/{id:guid}"] = _ => null,
        ["PUT /api/models/{id:guid}/serving-name"] = _ => """{"servingName": "isolation"}""",
        ["DELETE /api/models/{id:guid}/serving-name"] = _ => null,
        ["POST /api/models/{id:guid}/predict"] = _ => """{"rows": [[5.1, 3.5, 1.4, 0.2]]}""",
        ["POST /api/models/{id:guid}/continue"] = _ => """{"epochs": 1}""",
        ["GET /api/searches/{id:guid}"] = _ => null,
        ["POST /api/searches/{id:guid}/cancel"] = _ => null,
        ["POST /api/models/{id:guid}/evaluate"] = own => $$"""{"datasetId": "{{own.Dataset}}"}""",
    };

    /// <summary>
    /// What B's call with B's own id answers where it is not 200 OK (and 204 No Content for a deletion): B's job and
    /// search
    /// have finished, so cancelling them conflicts; continuing B's model queues a job.
    /// </summary>
    private static readonly Dictionary<string, HttpStatusCode> OwnOutcomes = new()
    {
        ["POST /api/jobs/{id:guid}/cancel"] = HttpStatusCode.Conflict,
        ["POST /api/searches/{id:guid}/cancel"] = HttpStatusCode.Conflict,
        ["POST /api/models/{id:guid}/continue"] = HttpStatusCode.Accepted,
    };

    /// <summary>One resource of each kind; the id of a route is the one of its resource (the segment after
    /// /api).</summary>
    private sealed record Ids(Guid Network, Guid Dataset, Guid Job, Guid Model, Guid Search)
    {
        public Guid For(ApiRoute route) => route.Resource switch
        {
            "networks" => Network,
            "datasets" => Dataset,
            "jobs" => Job,
            "models" => Model,
            "searches" => Search,
            var other => throw new InvalidOperationException(
                $"{route}: no resource of kind '{other}' in the matrix; add one."),
        };
    }

    private static async Task<Ids> CreateOneOfEachAsync(HttpClient client)
    {
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();
        var job = await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 2, batchSize = 16 });
        return new Ids(network, dataset, (Guid)job["id"]!, (Guid)job["modelId"]!, await CreateSearchWithoutTrialsAsync(
            client, dataset));
    }

    /// <summary>A finished search that started no trial (its wall-time budget is up at the coordinator's first look),
    /// so the job and network lists keep one item each.</summary>
    private static async Task<Guid> CreateSearchWithoutTrialsAsync(HttpClient client, Guid dataset)
    {
        var search = await (await client.PostAsJsonAsync("/api/searches", new
        {
            network = new { inputWidth = 4, loss = "categorical_cross_entropy",
                layers = new object[] { new { units = 4, activation = "relu" },
                    new { units = 3, activation = "softmax" } } },
            job = new { datasetId = dataset, epochs = 1 },
            space = new Dictionary<string, object> { ["job.optimizer.learningRate"] = new { choice = new[] { 0.01 } } },
            maxWallSeconds = 1e-9,
        })).ExpectAsync(HttpStatusCode.Accepted);
        var deadline = DateTime.UtcNow + ApiClient.JobTimeout;
        while (true)
        {
            var current = await (await client.GetAsync($"/api/searches/{search["id"]}")).ExpectAsync(HttpStatusCode.OK);
            if ((string)current["status"]! != "running")
            {
                Assert.Equal(0, (int)current["budget"]!["trialsStarted"]!);
                return (Guid)current["id"]!;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException(current.ToJsonString());
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task EveryIdEndpoint_AnotherTenantsId_Returns404()
    {
        using var factory = new ApiFactory();
        var a = factory.CreateClient();
        var b = await factory.CreateTenantClientAsync("tenant-b");
        var ofA = await CreateOneOfEachAsync(a);
        var ofB = await CreateOneOfEachAsync(b);

        var routes = ApiEndpoints.All(factory).Where(r => r.HasParameters && r.Resource != "admin").ToList();
        var unknown = routes.Where(r => !Calls.ContainsKey(r.ToString())).ToList();
        Assert.True(unknown.Count == 0,
            "Endpoints the isolation matrix does not know how to call (add them to Calls): " + string.Join(", ",
                unknown));
        Assert.Equal(Calls.Count, routes.Count);

        // Deletions last, so every other call still finds A's resources there to be hidden; a part's deletion (a
        // longer route) before its resource's.
        var started = new List<Guid>();
        foreach (var route in routes.OrderBy(r => r.Method == "DELETE").ThenByDescending(r => r.ToString().Length))
        {
            // Jobs that B's calls started (a continued model) have ended before B deletes: nothing of B's is in use
            // then.
            if (route.Method == "DELETE")
            {
                foreach (var job in started) await b.WaitForJobAsync(job);
                started.Clear();
            }
            var body = Calls[route.ToString()](ofB);
            var missing = await b.SendAsync(route.Request(Guid.NewGuid(), body));
            var foreign = await b.SendAsync(route.Request(ofA.For(route), body));
            Assert.True(foreign.StatusCode == HttpStatusCode.NotFound,
                $"{route} as B with A's id: {(int)foreign.StatusCode} {await foreign.Content.ReadAsStringAsync()}");
            Assert.Equal(missing.StatusCode, foreign.StatusCode);
            Assert.Equal(missing.Content.Headers.ContentType?.MediaType,
                foreign.Content.Headers.ContentType?.MediaType);
            // B's call with its own id works: the 404 came from ownership, not from a bad request.
            var own = await b.SendAsync(route.Request(ofB.For(route), body));
            var expected = OwnOutcomes.GetValueOrDefault(route.ToString(),
                route.Method == "DELETE" ? HttpStatusCode.NoContent : HttpStatusCode.OK);
            Assert.True(own.StatusCode == expected,
                $"{route} as B with B's id: {(int)own.StatusCode}, expected {(int)expected}: "
                + await own.Content.ReadAsStringAsync());
            if (own.StatusCode == HttpStatusCode.Accepted && route.Resource == "models")
                started.Add((Guid)(await own.ExpectAsync(HttpStatusCode.Accepted))["id"]!);
        }

        // Nothing of A's was changed or deleted by B.
        foreach (var (path, id) in new[] { ("networks", ofA.Network), ("datasets", ofA.Dataset), ("jobs", ofA.Job),
            ("models", ofA.Model), ("searches", ofA.Search) })
            await (await a.GetAsync($"/api/{path}/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("succeeded", (string)(await a.GetJobAsync(ofA.Job))["status"]!);
        Assert.Equal("succeeded", (string)(await (await a.GetAsync($"/api/searches/{ofA.Search}"))
            .ExpectAsync(HttpStatusCode.OK))["status"]!);
    }

    [Fact]
    public async Task Lists_TwoTenants_ShowOnlyCallersResources()
    {
        using var factory = new ApiFactory();
        var a = factory.CreateClient();
        var b = await factory.CreateTenantClientAsync("tenant-b");
        var ofA = await CreateOneOfEachAsync(a);

        // whoami names the caller: no resources
        var lists = ApiEndpoints.All(factory).Where(r => r.Method == "GET" && !r.HasParameters
            && r.Resource is not ("admin" or "whoami")).ToList();
        Assert.Equal(["datasets", "jobs", "models", "networks", "searches"], lists.Select(r => r.Resource).Order());
        foreach (var list in lists)
        {
            var mine = await (await a.GetAsync(list.Pattern)).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(1, (int)mine["totalCount"]!);
            var theirs = await (await b.GetAsync(list.Pattern)).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(0, (int)theirs["totalCount"]!);
            Assert.Empty(theirs["items"]!.AsArray());
            foreach (var id in new[] { ofA.Network, ofA.Dataset, ofA.Job, ofA.Model,
                ofA.Search }) Assert.DoesNotContain(id.ToString(), theirs.ToJsonString());
        }
    }

    [Fact]
    public async Task StartJob_AnotherTenantsNetworkDatasetOrModel_Returns404()
    {
        using var factory = new ApiFactory();
        var a = factory.CreateClient();
        var b = await factory.CreateTenantClientAsync("tenant-b");
        var ofA = await CreateOneOfEachAsync(a);
        var network = await b.CreateIrisNetworkAsync();
        var dataset = await b.UploadIrisAsync();

        foreach (var request in new object[]
        {
            new { networkId = ofA.Network, datasetId = dataset },
            new { networkId = network, datasetId = ofA.Dataset },
            new { networkId = network, datasetId = dataset, warmStartModelId = ofA.Model },
        })
            await (await b.PostAsJsonAsync("/api/jobs", request)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await b.PostAsJsonAsync($"/api/networks/{network}/gradient-check", new { datasetId = ofA.Dataset }))
            .ExpectProblemAsync(HttpStatusCode.NotFound);
        var jobs = await (await b.GetAsync("/api/jobs")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, (int)jobs["totalCount"]!);
    }
}
