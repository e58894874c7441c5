using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Backprop.Api.Data;

/// <summary>Stores an enum as its snake_case name (<c>early_stopped</c>), the same text the API sends.</summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
    value => JsonNames.Of(value),
    text => JsonNames.TryParse<TEnum>(text) ?? default)
    where TEnum : struct, Enum;
