using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Inference;

public static class InferenceServiceCollectionExtensions
{
    /// <summary>gRPC (HTTP/2 beside HTTP/1.1 on every endpoint, TLS or not) and the protocol's error form for
    /// /v2.</summary>
    public static IServiceCollection AddInference(this IServiceCollection services)
    {
        services.AddGrpc();
        services.AddOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>().Configure<IOptions<LimitsOptions>>((grpc,
            limits) =>
            grpc.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, limits.Value.MaxRequestBodyBytes));
        services.AddOptions<KestrelServerOptions>().Configure(kestrel =>
        {
            // Endpoints serve HTTP/1.1 and HTTP/2 (Kestrel's default); without TLS, HTTP/2 is recognised by its
            // preface.
            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Use(next => new CleartextHttp2(next,
                kestrel.Limits.KeepAliveTimeout).OnConnectionAsync));
            // Such a connection looks like TLS to Kestrel (see CleartextHttp2): the request's scheme comes from its
            // :scheme.
            kestrel.AllowAlternateSchemes = true;
        });
        // First, so that /v2's problems (401, 429, a body too large, …) are written in the protocol's form.
        services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, InferenceErrorWriter>());
        return services;
    }

    public static WebApplication MapInference(this WebApplication app)
    {
        app.MapInferenceApi();
        app.MapGrpcService<InferenceGrpcService>().WithTags("Inference (Open Inference Protocol)");
        return app;
    }
}
