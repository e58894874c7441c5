using Backprop.Api.Inference.Protocol;
using Backprop.Api.Security;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using static Backprop.Api.Inference.Protocol.ModelInferRequest.Types;
using static Backprop.Api.Inference.Protocol.ModelInferResponse.Types;

namespace Backprop.Api.Inference;

/// <summary>
/// inference.GRPCInferenceService, the Open Inference Protocol over gRPC, on the service's own port (HTTP/2). The API
/// key
/// travels in the call's metadata ("authorization: Bearer …" or "x-api-key"). A request that sends raw_input_contents
/// gets
/// raw_output_contents (little-endian, row-major) back: the fast path, with no per-element encoding either way.
/// </summary>
public sealed class InferenceGrpcService(IOptions<LimitsOptions> limits, HealthCheckService health)
    : GRPCInferenceService.GRPCInferenceServiceBase
{
    [AllowAnonymous]
    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    [AllowAnonymous]
    public override async Task<ServerReadyResponse> ServerReady(ServerReadyRequest request,
        ServerCallContext context) =>
        new() { Ready = await InferenceApi.IsReadyAsync(health, context.CancellationToken) };

    [AllowAnonymous]
    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request,
        ServerCallContext context)
    {
        var metadata = InferenceApi.ServerMetadata();
        return Task.FromResult(new ServerMetadataResponse { Name = metadata.Name, Version = metadata.Version,
            Extensions = { metadata.Extensions } });
    }

    public override async Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        await FindAsync(request.Name, request.Version, context);
        return new ModelReadyResponse { Ready = true };
    }

    public override async Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request,
        ServerCallContext context)
    {
        var metadata = InferenceApi.Metadata(await FindAsync(request.Name, request.Version, context));
        return new ModelMetadataResponse
        {
            Name = metadata.Name, Versions = { metadata.Versions }, Platform = metadata.Platform,
            Inputs = { metadata.Inputs.Select(Tensor) }, Outputs = { metadata.Outputs.Select(Tensor) },
        };
    }

    [EnableRateLimiting(RateLimits.Predictions)]
    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        var served = await FindAsync(request.ModelName, request.ModelVersion, context);
        bool raw = request.RawInputContents.Count > 0;
        InferenceResult result;
        try
        {
            if (raw && request.RawInputContents.Count != request.Inputs.Count)
                throw InferenceException.BadRequest($"raw_input_contents has {request.RawInputContents.Count} entries "
                    + $"for {request.Inputs.Count} inputs; give one per input.");
            var inputs = request.Inputs.Select((input, i) => new InputTensor(input.Name, input.Datatype,
                [.. input.Shape],
                raw ? TensorElements.FromRaw(input.Name, input.Datatype, request.RawInputContents[i].Memory)
                    : Elements(input))).ToArray();
            var outputs = request.Outputs.Select(o => o.Name).ToArray();
            result = InferenceRunner.Run(served, inputs, outputs, limits.Value);
        }
        catch (InferenceException e)
        {
            throw new RpcException(new Status(e.GrpcStatus, e.Message));
        }

        var response = new ModelInferResponse { ModelName = served.Name, ModelVersion = served.Version,
            Id = request.Id };
        if (result.Warnings is not null)
            response.Parameters["warnings"] = new InferParameter { StringParam = result.Warnings };
        foreach (var output in result.Outputs)
        {
            var tensor = new InferOutputTensor { Name = output.Name, Datatype = output.Datatype,
                Shape = { output.Shape } };
            if (raw)
                // The output arrays are this call's own and never written again: sent as they lie.
                response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(output.Floats is { } f
                    ? new ArrayBytes<float>(f).Memory : new ArrayBytes<long>(output.Longs!).Memory));
            else
            {
                tensor.Contents = new InferTensorContents();
                if (output.Floats is { } floats) tensor.Contents.Fp32Contents.AddRange(floats);
                else tensor.Contents.Int64Contents.AddRange(output.Longs!);
            }
            response.Outputs.Add(tensor);
        }
        return response;
    }

    private static async Task<ServedModel> FindAsync(string name, string version, ServerCallContext context)
    {
        try
        {
            return await ServedModels.FindAsync(name, version, context.GetHttpContext(), context.CancellationToken);
        }
        catch (InferenceException e)
        {
            throw new RpcException(new Status(e.GrpcStatus, e.Message));
        }
    }

    private static ModelMetadataResponse.Types.TensorMetadata Tensor(TensorMetadata t) =>
        new() { Name = t.Name, Datatype = t.Datatype, Shape = { t.Shape } };

    /// <summary>The typed contents field of the input's datatype.</summary>
    private static TensorElements Elements(InferInputTensor input)
    {
        var contents = input.Contents ?? new InferTensorContents();
        return input.Datatype switch
        {
            ModelSignature.Fp32 => TensorElements.Of(contents.Fp32Contents.ToArray()),
            ModelSignature.Fp64 => TensorElements.Of(contents.Fp64Contents.ToArray(), contents.Fp64Contents.Count),
            ModelSignature.Bytes => TensorElements.Of(contents.BytesContents.Select(b =>
                Cell(b.ToStringUtf8())).ToArray()),
            ModelSignature.Bool => TensorElements.Of(contents.BoolContents.Select(b => Cell(b)).ToArray()),
            _ => throw InferenceException.BadRequest($"Input '{input.Name}' has datatype "
                + $"'{ServedModels.Shorten(input.Datatype)}'; give FP32 or FP64 (BYTES or BOOL for raw columns)."),
        };
    }

    private static System.Text.Json.JsonElement Cell<T>(T value) =>
        System.Text.Json.JsonSerializer.SerializeToElement(value);
}
