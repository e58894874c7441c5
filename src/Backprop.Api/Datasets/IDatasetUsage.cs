namespace Backprop.Api.Datasets;

/// <summary>Answers whether a dataset is in use by an unfinished training job (its deletion is then refused with
/// 409).</summary>
public interface IDatasetUsage
{
    Task<bool> IsInUseAsync(Guid datasetId, CancellationToken cancellationToken);
}
