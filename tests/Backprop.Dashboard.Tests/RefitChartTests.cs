using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Backprop.Api.Tests.Support;
using Microsoft.Playwright;

namespace Backprop.Dashboard.Tests;

/// <summary>
/// A job started from the dashboard with the epochs left empty takes the service's default: the validation split
/// chooses the epoch count, then the job refits on every row. Its page says which phase it is in and marks on the
/// charts where the refit began (the curves jump back up there, from the initial weights).
/// </summary>
public sealed class RefitChartTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string Screenshots = DashboardTests.ScreenshotFolder();

    [Fact]
    public async Task JobPage_DefaultEpochs_ShowsTheRefitPhaseAndMarksWhereItBegan()
    {
        await using var service = new ServiceProcess(new Dictionary<string, string>
        {
            ["Live:MaxEventsPerSecond"] = "20",
        });
        await service.StartAsync();
        var key = (await File.ReadAllTextAsync(Path.Combine(service.Folder, "dev-api-key.txt"))).Trim();
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var csv = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "samples", "iris.csv"));
        var upload = new StringContent(csv, Encoding.UTF8, "text/csv");
        (await http.PostAsync("/api/datasets?name=iris&targetColumn=species", upload)).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync("/api/networks", new
        {
            name = "iris-mlp", inputWidth = 4, loss = "categorical_cross_entropy", seed = 3,
            layers = new object[]
            {
                new { units = 16, activation = "relu" }, new { units = 3, activation = "softmax" },
            },
        })).EnsureSuccessStatusCode();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        var scriptErrors = new List<string>();
        page.PageError += (_, e) => scriptErrors.Add(e);
        page.SetDefaultTimeout(60_000);
        // Assertions wait for events (a status, an attribute), never for a time: the bound only catches a hang.
        Assertions.SetDefaultExpectTimeout(120_000);
        await page.GotoAsync(service.BaseAddress!.ToString());
        await page.FillAsync("#key-input", key);
        await page.PressAsync("#key-input", "Enter");

        await page.GotoAsync(service.BaseAddress + "#/jobs");
        await Assertions.Expect(page.Locator("#job-dataset option")).ToHaveCountAsync(1);
        await page.FillAsync("#job-epochs", "");
        await page.ClickAsync("#job-start");
        await page.WaitForURLAsync(new Regex("#/jobs/[0-9a-f-]{36}$"));
        var jobId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("succeeded");

        var job = (await http.GetFromJsonAsync<JsonObject>($"/api/jobs/{jobId}"))!;
        Assert.Equal("refit", (string?)job["phase"]);
        int refitFrom = (int)job["refitFromEpoch"]!, epochs = (int)job["epoch"]!;
        Assert.InRange(refitFrom, 1, epochs - 1);
        var chart = page.Locator("#loss-chart");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-refit-from", refitFrom.ToString());
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-points", epochs.ToString());
        await Assertions.Expect(page.Locator("#job-phase")).ToHaveTextAsync(
            $"refit on all rows after epoch {refitFrom}");
        // The over-fitting advice is for a job still training on a stalled validation loss, not for one that stopped.
        await Assertions.Expect(page.Locator("div.note")).ToBeHiddenAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "job-refit.png"), FullPage = true });

        Assert.Empty(scriptErrors);
    }
}
