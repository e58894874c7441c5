namespace Backprop.Api.Inference;

/// <summary>What went wrong, in the protocol's terms; REST and gRPC each map it to their own status codes.</summary>
public enum InferenceFailure
{
    /// <summary>400 / INVALID_ARGUMENT: the request does not fit the model's inputs or the protocol.</summary>
    BadRequest,
    /// <summary>404 / NOT_FOUND: no such model or version for this tenant.</summary>
    NotFound,
    /// <summary>413 / RESOURCE_EXHAUSTED: over this service's prediction budget (Limits:MaxPredictionRows,
    /// MaxPredictionValues).</summary>
    TooLarge,
}

/// <summary>A request the protocol answers with an error; the message names the problem in the protocol's
/// terms.</summary>
public sealed class InferenceException(InferenceFailure failure, string message) : Exception(message)
{
    public InferenceFailure Failure { get; } = failure;

    public static InferenceException BadRequest(string message) => new(InferenceFailure.BadRequest, message);

    public int StatusCode => Failure switch
    {
        InferenceFailure.NotFound => StatusCodes.Status404NotFound,
        InferenceFailure.TooLarge => StatusCodes.Status413PayloadTooLarge,
        _ => StatusCodes.Status400BadRequest,
    };

    public Grpc.Core.StatusCode GrpcStatus => Failure switch
    {
        InferenceFailure.NotFound => Grpc.Core.StatusCode.NotFound,
        InferenceFailure.TooLarge => Grpc.Core.StatusCode.ResourceExhausted,
        _ => Grpc.Core.StatusCode.InvalidArgument,
    };
}
