using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Backprop.Dashboard.Tests;

/// <summary>
/// The searches page in a real browser (Debian's Chromium driven by Playwright) against the real service: start a
/// random search
/// from the form, watch the trials' curves grow and the leaderboard fill while it runs, and open the best model.
/// </summary>
public sealed class SearchPageTests
{
    private static readonly string Screenshots = DashboardTests.ScreenshotFolder();

    [Fact]
    public async Task SearchPage_RandomSearchWithAsha_ShowsLiveCurvesAndRankedLeaderboard()
    {
        await using var dashboard = await IrisDashboard.StartAsync();
        var (page, http) = (dashboard.Page, dashboard.Http);
        var consoleErrors = new List<string>();
        // Chromium logs the missing favicon.ico as a console error; every other one counts, as do uncaught script
        // errors.
        page.Console += (_, m) =>
        {
            if (m.Type == "error" && !m.Location.Contains("favicon.ico", StringComparison.Ordinal))
                consoleErrors.Add($"{m.Text} ({m.Location})");
        };
        page.PageError += (_, e) => consoleErrors.Add(e);
        var failedRequests = new List<string>();
        page.Response += (_, r) =>
        {
            if (r.Status >= 400) failedRequests.Add($"{r.Status} {r.Request.Method} {r.Url}");
        };
        await dashboard.LoginAsync();

        // An empty list first, then a search started from the form: 4 trials, 2 at once, ASHA from epoch 10.
        await page.GotoAsync(dashboard.BaseAddress + "#/searches");
        await Assertions.Expect(page.GetByText("No searches yet")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#search-dataset option")).ToHaveCountAsync(1);
        await page.FillAsync("#search-name", "iris lr/width");
        await page.FillAsync("#search-epochs", "2000");
        await page.FillAsync("#search-batch", "1");
        await page.FillAsync("#search-trials", "4");
        await page.FillAsync("#search-concurrent", "2");
        await page.FillAsync("#search-widths", "8, 32");
        await page.SelectOptionAsync("#search-stopping", "asha");
        await page.FillAsync("#search-min-epochs", "10");
        await page.ClickAsync("#search-start");

        // The search page: the trials' curves gain points while the search runs.
        await page.WaitForURLAsync(new Regex("#/searches/[0-9a-f-]{36}$"));
        var chart = page.Locator("#trial-metric-chart");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-points", new Regex("^[1-9]"));
        int first = int.Parse((await chart.GetAttributeAsync("data-points"))!);
        await page.WaitForFunctionAsync(
            "n => +document.querySelector('#trial-metric-chart').dataset.points > n", first);
        await Assertions.Expect(page.Locator("#leaderboard tbody tr").First).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "search-running.png"), FullPage = true });

        // Finished: every trial on the leaderboard, ranked 1..4 by the metric, the best one marked, every trial's curve
        // drawn.
        await Assertions.Expect(page.Locator("#search-head h1 .badge"))
            .ToHaveTextAsync("succeeded", new() { Timeout = 300_000 });
        var rows = page.Locator("#leaderboard tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(4);
        Assert.Equal(["1", "2", "3", "4"], await rows.Locator("td:first-child").AllTextContentsAsync());
        await Assertions.Expect(page.Locator("#leaderboard tr.best")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#leaderboard tr.best td:first-child")).ToHaveTextAsync("1");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-trials", "4");
        var hash = await page.EvaluateAsync<string>("location.hash");
        var search = await http.GetFromJsonAsync<JsonNode>(hash.Replace("#/searches/", "/api/searches/"));
        var leaderboard = search!["leaderboard"]!.AsArray();
        int epochs = leaderboard.Sum(t => (int)t!["epoch"]!);
        // Every epoch of every trial drawn once: epochs the live stream thinned out are filled in from the history when
        // a trial ends.
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-points", epochs.ToString());
        var best = leaderboard.Single(t => (bool)t!["best"]!)!;
        await Assertions.Expect(page.Locator("#leaderboard tr.best"))
            .ToHaveAttributeAsync("data-trial", best["trial"]!.ToString());
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "search.png"), FullPage = true });

        // The best trial's model opens with its confusion matrix.
        await page.ClickAsync("#search-best-model");
        await Assertions.Expect(page.Locator("#confusion td")).ToHaveCountAsync(9);

        // The list shows the finished search.
        await page.GotoAsync(dashboard.BaseAddress + "#/searches");
        await Assertions.Expect(page.Locator("#search-list tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#search-list .badge")).ToHaveTextAsync("succeeded");

        Assert.Empty(failedRequests);
        Assert.Empty(consoleErrors);
    }
}
