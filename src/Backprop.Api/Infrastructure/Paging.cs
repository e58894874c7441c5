using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Infrastructure;

/// <summary>One page of a listing, newest first (page is 1-based).</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, int TotalCount);

public static class Paging
{
    /// <summary>Problems with page/pageSize, or null when they are usable.</summary>
    public static Dictionary<string, string[]>? Check(int page, int pageSize, LimitsOptions limits)
    {
        var errors = new ProblemErrors();
        if (page < 1) errors.Add("page", $"page starts at 1, got {page}.");
        if (pageSize < 1 || pageSize > limits.MaxPageSize) errors.Add("pageSize",
            $"pageSize must be between 1 and {limits.MaxPageSize}, got {pageSize}.");
        return errors.Any ? errors.ToDictionary() : null;
    }

    public static async Task<Paged<TOut>> ToPageAsync<T, TOut>(this IQueryable<T> ordered, int page, int pageSize,
        Func<T, TOut> map, CancellationToken ct)
    {
        int total = await ordered.CountAsync(ct);
        var items = await ordered.Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return new Paged<TOut>(items.Select(map).ToList(), page, pageSize, total);
    }

    /// <summary>SQLite hands DateTime back unspecified; every stored time is UTC.</summary>
    public static DateTime AsUtc(this DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);
    public static DateTime? AsUtc(this DateTime? value) => value?.AsUtc();
}
