using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Backprop.Dashboard.Tests;

/// <summary>
/// A job started from the dashboard with the epochs left empty takes the service's default: the validation split
/// chooses the epoch count, then the job refits on every row. Its page says which phase it is in and marks on the
/// charts where the refit began (the curves jump back up there, from the initial weights). The start form's refit
/// box turns the refit off.
/// </summary>
public sealed class RefitChartTests
{
    private static readonly string Screenshots = DashboardTests.ScreenshotFolder();

    [Fact]
    public async Task JobPage_DefaultEpochs_ShowsTheRefitPhaseAndMarksWhereItBegan()
    {
        await using var dashboard = await IrisDashboard.StartAsync(networkSeed: 3);
        var page = dashboard.Page;
        var scriptErrors = await OpenStartFormAsync(dashboard);
        await page.FillAsync("#job-epochs", "");
        var job = await StartAndFinishAsync(dashboard);
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

    [Fact]
    public async Task StartForm_RefitUnchecked_StopsWhereTheSplitChoseWithoutRefitting()
    {
        await using var dashboard = await IrisDashboard.StartAsync(networkSeed: 3);
        var page = dashboard.Page;
        var scriptErrors = await OpenStartFormAsync(dashboard);
        var refit = page.Locator("#job-refit");
        // A given epoch count leaves no split to choose it, so there is nothing to refit after.
        await Assertions.Expect(refit).ToBeDisabledAsync();
        await page.FillAsync("#job-epochs", "");
        await Assertions.Expect(refit).ToBeEnabledAsync();
        await Assertions.Expect(refit).ToBeCheckedAsync();
        await refit.UncheckAsync();
        var job = await StartAndFinishAsync(dashboard);
        Assert.False((bool)job["request"]!["refit"]!);
        Assert.Null(job["phase"]);
        Assert.Null(job["refitFromEpoch"]);
        // The finished job's page as a user opens it later: every stored epoch, no refit marker, no phase.
        await page.ReloadAsync();
        var chart = page.Locator("#loss-chart");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-points", ((int)job["epoch"]!).ToString());
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-refit-from", "");
        await Assertions.Expect(page.Locator("#job-phase")).ToHaveCountAsync(0);

        Assert.Empty(scriptErrors);
    }

    /// <summary>Logs in and opens the jobs page once its start form has the service's dataset; returns the page's
    /// script errors as they happen.</summary>
    private static async Task<List<string>> OpenStartFormAsync(IrisDashboard dashboard)
    {
        var scriptErrors = new List<string>();
        dashboard.Page.PageError += (_, e) => scriptErrors.Add(e);
        await dashboard.LoginAsync();
        await dashboard.Page.GotoAsync(dashboard.BaseAddress + "#/jobs");
        await Assertions.Expect(dashboard.Page.Locator("#job-dataset option")).ToHaveCountAsync(1);
        return scriptErrors;
    }

    /// <summary>Starts the form's job, waits on its page until it has succeeded, and returns it from the API.</summary>
    private static async Task<JsonObject> StartAndFinishAsync(IrisDashboard dashboard)
    {
        var page = dashboard.Page;
        await page.ClickAsync("#job-start");
        await page.WaitForURLAsync(new Regex("#/jobs/[0-9a-f-]{36}$"));
        var jobId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("succeeded");
        return (await dashboard.Http.GetFromJsonAsync<JsonObject>($"/api/jobs/{jobId}"))!;
    }
}
