using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Backprop.Api.Inference;

/// <summary>
/// HTTP/2 with prior knowledge (RFC 9113 §3.3, "h2c") beside HTTP/1.1 on one cleartext endpoint, so gRPC clients and
/// browsers
/// share the service's port. Kestrel picks HTTP/2 on an HTTP/1.1-and-HTTP/2 endpoint only when TLS negotiated "h2"
/// (ALPN);
/// without TLS it always picks HTTP/1.1. This connection middleware looks at the first bytes without consuming them
/// and,
/// when they are the HTTP/2 client preface, tells Kestrel "h2" through the TLS features it reads. Any other connection
/// (HTTP/1.1, a TLS handshake) goes on untouched.
/// </summary>
public sealed class CleartextHttp2(ConnectionDelegate next, TimeSpan firstBytesTimeout)
{
    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        if (connection.Features.Get<ITlsConnectionFeature>() is null)
        {
            bool? http2;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
            {
                timeout.CancelAfter(firstBytesTimeout);
                http2 = await StartsWithPrefaceAsync(connection.Transport.Input, timeout.Token);
            }
            if (http2 is null) return; // nothing arrived in time: close, as Kestrel closes an idle connection
            if (http2 == true)
            {
                var negotiated = new PriorKnowledge();
                connection.Features.Set<ITlsConnectionFeature>(negotiated);
                connection.Features.Set<ITlsApplicationProtocolFeature>(negotiated);
            }
        }
        await next(connection);
    }

    /// <summary>True for the HTTP/2 preface, false for anything else, null when the connection went quiet or closed
    /// first.</summary>
    private static async Task<bool?> StartsWithPrefaceAsync(System.IO.Pipelines.PipeReader input, CancellationToken ct)
    {
        while (true)
        {
            System.IO.Pipelines.ReadResult result;
            try
            {
                result = await input.ReadAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            var buffer = result.Buffer;
            bool? verdict = Verdict(buffer, result.IsCompleted);
            // Nothing consumed: Kestrel's HTTP layer reads the same bytes next; all examined, so the next read waits
            // for more.
            input.AdvanceTo(buffer.Start, verdict is null ? buffer.End : buffer.Start);
            if (verdict is not null || result.IsCompleted || result.IsCanceled) return verdict ?? false;
        }
    }

    private static bool? Verdict(ReadOnlySequence<byte> buffer, bool completed)
    {
        int length = (int)Math.Min(buffer.Length, Preface.Length);
        Span<byte> start = stackalloc byte[length];
        buffer.Slice(0, length).CopyTo(start);
        if (!start.SequenceEqual(Preface[..length])) return false;
        if (length == Preface.Length) return true;
        return completed ? false : null;
    }

    /// <summary>What Kestrel reads to choose HTTP/2: a "TLS" connection whose negotiated protocol is h2. No
    /// certificate.</summary>
    private sealed class PriorKnowledge : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        public X509Certificate2? ClientCertificate { get; set; }
        public ReadOnlyMemory<byte> ApplicationProtocol => "h2"u8.ToArray();
        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) =>
            Task.FromResult<X509Certificate2?>(null);
    }
}
