using System.Security.Claims;
using System.Text.Encodings.Web;
using Backprop.Api.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Backprop.Api.Security;

/// <summary>
/// The "ApiKey" scheme: a key in <c>Authorization: Bearer</c> or <c>X-Api-Key</c>. A tenant key makes its tenant the
/// request's <see cref="TenantContext"/>; the admin key (configuration only) authenticates the admin role and no
/// tenant. Keys are looked up by prefix, then compared by hash; verified keys are remembered in <see
/// cref="ApiKeyCache"/>, which any revocation clears, so a revocation applies to the next request.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IOptionsMonitor<AuthOptions> auth, IProblemDetailsService problems, ApiKeyCache cache,
        FailedAuthentications failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string TenantClaim = "tenant";
    public const string AdminRole = "admin";
    private const string BlockedItem = "Backprop.AuthenticationBlockedFor";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ReadKey(Request) is not { } key) return AuthenticateResult.NoResult();
        if (auth.CurrentValue.AdminKey is { Length: > 0 } admin && ApiKeys.Matches(key, ApiKeys.Hash(admin)))
            return Success(new Claim(ClaimTypes.Role, AdminRole), new Claim(ClaimTypes.Name, "admin"));
        var address = Context.Connection.RemoteIpAddress;
        if (!ApiKeys.IsWellFormed(key))
        {
            failures.Record(address);
            return AuthenticateResult.Fail("The API key is not valid.");
        }

        string keyHash = Convert.ToHexString(ApiKeys.Hash(key));
        if (cache.TryGet(keyHash, out var cachedId, out var cachedTenant)) return Authenticated(cachedId, cachedTenant);
        if (failures.IsBlocked(address, out var retryAfter))
        {
            Context.Items[BlockedItem] = retryAfter; // answered 429 by the challenge, without a database lookup
            return AuthenticateResult.Fail("Too many failed authentications from this address.");
        }
        // before the query: a revocation committed after it clears the cache after this read
        long generation = cache.Generation;
        var db = Context.RequestServices.GetRequiredService<BackpropDbContext>();
        var prefix = ApiKeys.PrefixOf(key);
        var candidates = await db.Set<ApiKeyEntity>().AsNoTracking().Where(k => k.Prefix == prefix
            && k.RevokedAt == null)
            .Select(k => new { k.Id, k.TenantId, k.Hash }).ToListAsync(Context.RequestAborted);
        var match = candidates.FirstOrDefault(k => ApiKeys.Matches(key, k.Hash));
        if (match is null)
        {
            failures.Record(address);
            return AuthenticateResult.Fail("The API key is not valid or has been revoked.");
        }
        cache.Add(keyHash, match.Id, match.TenantId, generation);
        return Authenticated(match.Id, match.TenantId);
    }

    private AuthenticateResult Authenticated(Guid keyId, string tenantId)
    {
        Context.RequestServices.GetRequiredService<TenantContext>().Set(tenantId);
        return Success(new Claim(TenantClaim, tenantId), new Claim(ClaimTypes.Name, tenantId),
            new Claim("key", keyId.ToString()));
    }

    /// <summary>Bearer first, then X-Api-Key; null when neither carries a value.</summary>
    internal static string? ReadKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization[7..]
            .Trim() is { Length: > 0 } bearer) return bearer;
        return request.Headers[HeaderName].ToString().Trim() is { Length: > 0 } header ? header : null;
    }

    private AuthenticateResult Success(params Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims,
            SchemeName)), SchemeName));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[BlockedItem] is TimeSpan wait)
        {
            int seconds = RateLimits.RetryAfterSeconds(wait);
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await WriteProblemAsync(StatusCodes.Status429TooManyRequests, "Too many failed authentications",
                $"This address has sent too many keys that are not valid " +
                $"(RateLimits:FailedAuthenticationsPerWindow); retry after {seconds} s.");
            return;
        }
        bool presented = ReadKey(Request) is not null;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append(HeaderNames.WWWAuthenticate, presented ? "Bearer error=\"invalid_token\"" : "Bearer");
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized", presented
            ? "The API key is not valid or has been revoked."
            : "Send an API key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        bool admin = Context.User.IsInRole(AdminRole);
        return WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", admin
            ? "The admin key manages keys only; use a tenant key for networks, datasets, jobs and models."
            : "This endpoint needs the admin key.");
    }

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
