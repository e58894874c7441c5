using Microsoft.Extensions.FileProviders;

namespace Backprop.Api.Dashboard;

/// <summary>
/// The dashboard: static files (wwwroot, no build step) served at / before authentication, so the page loads without a
/// key; every /api call it makes carries the key the user pasted, and the fallback policy still guards everything else.
/// </summary>
public static class DashboardExtensions
{
    // Scripts, styles and data only from this origin; nothing inline, no framing.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication UseDashboard(this WebApplication app)
    {
        var files = new PhysicalFileProvider(Root(app.Environment));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-cache"; // revalidated (ETag), so a new version shows at once
            },
        });
        return app;
    }

    /// <summary>wwwroot under the content root when run from the source tree, else the copy beside the binaries (tests,
    /// publish).</summary>
    private static string Root(IWebHostEnvironment environment)
    {
        var source = Path.Combine(environment.ContentRootPath, "wwwroot");
        return File.Exists(Path.Combine(source, "index.html")) ? source : Path.Combine(AppContext.BaseDirectory,
            "wwwroot");
    }
}
