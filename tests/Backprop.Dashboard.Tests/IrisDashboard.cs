using System.Net.Http.Json;
using System.Text;
using Backprop.Api.Tests.Support;
using Microsoft.Playwright;

namespace Backprop.Dashboard.Tests;

/// <summary>
/// The real service on a free port with samples/iris.csv and a 4-16-3 softmax network stored through its API, and a
/// headless Chromium page (Debian's, driven by Playwright) that has not opened the dashboard yet, so a test can attach
/// its listeners first and then <see cref="LoginAsync"/>.
/// </summary>
internal sealed class IrisDashboard : IAsyncDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly ServiceProcess _service;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    private IrisDashboard(ServiceProcess service) => _service = service;

    public Uri BaseAddress => _service.BaseAddress!;
    /// <summary>The API, with the service's development key.</summary>
    public HttpClient Http { get; private set; } = null!;
    public IPage Page { get; private set; } = null!;
    private string Key { get; set; } = "";

    /// <param name="networkSeed">The network's initialisation seed (0, the service's default, when omitted).</param>
    public static async Task<IrisDashboard> StartAsync(ulong networkSeed = 0)
    {
        var dashboard = new IrisDashboard(new ServiceProcess(new Dictionary<string, string>
        {
            ["Live:MaxEventsPerSecond"] = "20",
        }));
        try
        {
            await dashboard.StartServiceAsync(networkSeed);
            dashboard._playwright = await Playwright.CreateAsync();
            dashboard._browser = await dashboard._playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"],
            });
            dashboard.Page = await dashboard._browser.NewPageAsync(new()
            {
                ViewportSize = new() { Width = 1280, Height = 800 },
            });
            dashboard.Page.SetDefaultTimeout(60_000);
            // Assertions wait for events (a chart point, a status), never for a time: the bound only catches a hang.
            Assertions.SetDefaultExpectTimeout(120_000);
            return dashboard;
        }
        catch
        {
            await dashboard.DisposeAsync();
            throw;
        }
    }

    private async Task StartServiceAsync(ulong networkSeed)
    {
        await _service.StartAsync();
        Key = (await File.ReadAllTextAsync(Path.Combine(_service.Folder, "dev-api-key.txt"))).Trim();
        Http = new HttpClient { BaseAddress = _service.BaseAddress };
        Http.DefaultRequestHeaders.Add("X-Api-Key", Key);
        var csv = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "samples", "iris.csv"));
        var upload = new StringContent(csv, Encoding.UTF8, "text/csv");
        (await Http.PostAsync("/api/datasets?name=iris&targetColumn=species", upload)).EnsureSuccessStatusCode();
        (await Http.PostAsJsonAsync("/api/networks", new
        {
            name = "iris-mlp", inputWidth = 4, loss = "categorical_cross_entropy", seed = networkSeed,
            layers = new object[]
            {
                new { units = 16, activation = "relu" }, new { units = 3, activation = "softmax" },
            },
        })).EnsureSuccessStatusCode();
    }

    /// <summary>Opens the dashboard and pastes the key.</summary>
    public async Task LoginAsync()
    {
        await Page.GotoAsync(BaseAddress.ToString());
        await Page.FillAsync("#key-input", Key);
        await Page.PressAsync("#key-input", "Enter");
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        Http?.Dispose();
        await _service.DisposeAsync();
    }
}
