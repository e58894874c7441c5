using Backprop.Api.Tests.Support;
using Microsoft.Playwright;

namespace Backprop.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser (Debian's Chromium driven by Playwright) against the real service on a free port:
/// the whole path a new user takes, with a screenshot of each page saved under TestResults/screenshots.
/// </summary>
public sealed class DashboardTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string Screenshots = ScreenshotFolder();

    [Fact]
    public async Task Dashboard_UploadDefineTrainPredict_WorksInBrowser()
    {
        await using var service = new ServiceProcess(new Dictionary<string,
            string> { ["Live:MaxEventsPerSecond"] = "20" });
        await service.StartAsync();
        var key = (await File.ReadAllTextAsync(Path.Combine(service.Folder, "dev-api-key.txt"))).Trim();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium,
            Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        var consoleErrors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") consoleErrors.Add(m.Text); };
        page.SetDefaultTimeout(60_000);
        // Assertions wait for events (a chart point, a status), never for a time: the bound only catches a hang.
        Assertions.SetDefaultExpectTimeout(120_000);

        // The page loads without a key; a wrong key is named as such; the right one opens the jobs page.
        await page.GotoAsync(service.BaseAddress!.ToString());
        await Assertions.Expect(page.GetByText("Welcome to Backprop")).ToBeVisibleAsync();
        await page.FillAsync("#key-input", "bp_wrongwrongwrongwrongwrongwrongwrongwrong");
        await page.PressAsync("#key-input", "Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "API key is wrong" }).First)
            .ToBeVisibleAsync();
        await page.FillAsync("#key-input", key);
        await page.PressAsync("#key-input", "Enter");
        await Assertions.Expect(page.GetByText("No jobs yet")).ToBeVisibleAsync();

        // Datasets: upload samples/iris.csv; the profile shows a histogram per column and the class balance.
        await page.GotoAsync(service.BaseAddress + "#/datasets");
        await page.SetInputFilesAsync("#dataset-file", Path.Combine(AppContext.BaseDirectory, "samples", "iris.csv"));
        await Assertions.Expect(page.Locator("#dataset-target")).ToHaveValueAsync("species");
        await page.ClickAsync("form.card button[type=submit]");
        await Assertions.Expect(page.Locator("#dataset-profile .hist")).ToHaveCountAsync(4); // one per feature
        await Assertions.Expect(page.Locator("#dataset-profile").GetByText("Class balance")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "datasets.png"), FullPage = true });

        // Networks: the default form (4 → 16 relu → 3 softmax) validates as you type; a broken layer shows a problem.
        await page.GotoAsync(service.BaseAddress + "#/networks");
        await Assertions.Expect(page.Locator("#net-check")).ToContainTextAsync("Valid · 131 parameters");
        await page.Locator(".layer-row select").Last.SelectOptionAsync("relu");
        await Assertions.Expect(page.Locator("#net-check")).ToContainTextAsync("Not valid yet");
        await page.Locator(".layer-row select").Last.SelectOptionAsync("softmax");
        await Assertions.Expect(page.Locator("#net-check")).ToContainTextAsync("Valid");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "networks.png"), FullPage = true });
        await page.ClickAsync("#net-save");
        await Assertions.Expect(page.GetByText("Saved “iris-mlp”")).ToBeVisibleAsync();

        // Jobs: start a job long enough to watch; the loss chart gains points while it runs.
        await page.GotoAsync(service.BaseAddress + "#/jobs");
        await Assertions.Expect(page.Locator("#job-dataset option")).ToHaveCountAsync(1);
        await page.FillAsync("#job-epochs", "3000");
        await page.FillAsync("#job-batch", "1");
        await page.ClickAsync("#job-start");
        var chart = page.Locator("#loss-chart");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-points", new System.Text.RegularExpressions.Regex(
            "^[1-9]"));
        int first = int.Parse((await chart.GetAttributeAsync("data-points"))!);
        await page.WaitForFunctionAsync("n => +document.querySelector('#loss-chart').dataset.points > n", first);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "job-running.png"), FullPage = true });
        await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("succeeded", new() { Timeout = 300_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "job.png"), FullPage = true });

        // Models: the confusion matrix, and a prediction for the first row of iris.csv (a setosa).
        await page.ClickAsync("#job-model");
        await Assertions.Expect(page.Locator("#confusion td")).ToHaveCountAsync(9);
        foreach (var (value, i) in new[] { "-1.4739368", "1.20365798", "-1.56253481", "-1.31260276" }.Select((v, i) =>
            (v, i)))
            await page.FillAsync($"#feature-{i}", value);
        await page.ClickAsync("#predict");
        await Assertions.Expect(page.Locator("#predicted-label")).ToHaveTextAsync("setosa");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "model.png"), FullPage = true });

        // Phone width: the job list still reads.
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync(service.BaseAddress + "#/jobs");
        await Assertions.Expect(page.Locator("#job-list table")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "jobs-phone.png"), FullPage = true });

        Assert.DoesNotContain(consoleErrors, e => !e.Contains("401"));
    }

    /// <summary>TestResults/screenshots at the repository root (beside the TRX files CI collects), else beside the
    /// tests.</summary>
    private static string ScreenshotFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Backprop.Api.sln"))) dir = dir.Parent;
        var folder = Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
