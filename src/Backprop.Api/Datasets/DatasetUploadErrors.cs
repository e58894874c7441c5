namespace Backprop.Api.Datasets;

/// <summary>The upload cannot become a dataset (answered 400). Errors are keyed by column name, JSON path or
/// field.</summary>
public sealed class InvalidDatasetException(string detail, Dictionary<string, string[]> errors) : Exception(detail)
{
    public Dictionary<string, string[]> Errors { get; } = errors;

    public InvalidDatasetException(string key, string message) : this(message, ProblemErrors.Single(key, message)
        .ToDictionary()) { }
}

/// <summary>The request body passed <see cref="DatasetOptions.MaxUploadBytes"/> (answered 413).</summary>
public sealed class DatasetTooLargeException(long limit)
    : Exception($"The upload is larger than {limit} bytes (Datasets:MaxUploadBytes). Split the data or ask the " +
        "operator to raise the limit.")
{
    public long Limit { get; } = limit;
}
