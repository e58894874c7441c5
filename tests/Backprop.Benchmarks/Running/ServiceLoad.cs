using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using Backprop.Api.Inference.Protocol;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using static Backprop.Api.Inference.Protocol.ModelInferRequest.Types;

namespace Backprop.Benchmarks.Running;

/// <summary>
/// Prediction throughput of a running service on loopback, every way a caller can ask, in one run:
/// /api/models/{id}/predict
/// (JSON rows), the Open Inference Protocol over REST (JSON tensor, binary tensor data) and over gRPC (typed contents and
/// raw_input_contents), for
/// one row and 1,000-row batches; beside them a trivial authenticated endpoint (GET /api/whoami) and the in-process
/// predictor
/// on one thread. CONNECTIONS concurrent callers; SECONDS rounds in which every scenario runs for one second; rows/s
/// and p50/p99.
/// </summary>
public static class ServiceLoad
{
    private sealed record Outcome(string Scenario, int Rows, long Requests, double Seconds, double P50Ms, double P99Ms)
    {
        public double RequestsPerSecond => Requests / Seconds;
        public double RowsPerSecond => Requests * (double)Rows / Seconds;
    }

    public static async Task<int> RunAsync(string url, string key, Guid model, string csv, int seconds, int connections)
    {
        var features = File.ReadLines(csv).Skip(1).Select(l => l.Split(',')[..64].Select(v => float.Parse(v,
            CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections };
        var http = new HttpClient(handler) { BaseAddress = new Uri(url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
                MaxReceiveMessageSize = 64 << 20,
        });
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var headers = new Metadata { { "authorization", $"Bearer {key}" } };

        var scenarios = new List<Scenario> { new("trivial GET /api/whoami", 1, async () =>
            (await http.GetAsync("/api/whoami")).EnsureSuccessStatusCode()) };
        var weights = await http.GetStringAsync($"/api/models/{model}/weights");
        foreach (int rows in new[] { 1, 1000 })
        {
            var batch = Enumerable.Range(0, rows).Select(r => features[r % features.Length]).ToArray();
            var flat = batch.SelectMany(r => r).ToArray();
            string numbers(float[] row) => string.Join(",", row.Select(v => v.ToString("R",
                CultureInfo.InvariantCulture)));
            var predictBody = Encoding.UTF8.GetBytes("{\"rows\":[" + string.Join(",", batch.Select(r => "["
                + numbers(r) + "]")) + "]}");
            var inferBody = Encoding.UTF8.GetBytes(
                $"{{\"inputs\":[{{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[{rows},64],"
                + $"\"data\":[{numbers(flat)}]}}]}}");
            // The binary tensor data extension: the JSON request, then the raw floats; every output back as raw bytes.
            var binaryHeader = Encoding.UTF8.GetBytes(
                $"{{\"inputs\":[{{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[{rows},64],"
                + $"\"parameters\":{{\"binary_data_size\":{flat.Length * sizeof(float)}}}}}],"
                + "\"parameters\":{\"binary_data_output\":true}}");
            byte[] binaryBody = [.. binaryHeader, .. MemoryMarshal.AsBytes(flat.AsSpan())];
            var typed = new ModelInferRequest { ModelName = model.ToString(),
                Inputs = { new InferInputTensor { Name = "input", Datatype = "FP32", Shape = { rows, 64 },
                Contents = new InferTensorContents { Fp32Contents = { flat } } } } };
            var raw = new ModelInferRequest { ModelName = model.ToString(),
                Inputs = { new InferInputTensor { Name = "input", Datatype = "FP32", Shape = { rows, 64 } } },
                RawInputContents = { ByteString.CopyFrom(MemoryMarshal.AsBytes(flat.AsSpan())) } };
            scenarios.Add(new("POST /api/models/{id}/predict (JSON rows)", rows, () =>
                Post($"/api/models/{model}/predict", predictBody)));
            scenarios.Add(new("V2 REST infer (JSON FP32 tensor)", rows, () => Post($"/v2/models/{model}/infer",
                inferBody)));
            scenarios.Add(new("V2 REST infer (binary tensor data)", rows, () => Post($"/v2/models/{model}/infer",
                binaryBody, binaryHeader.Length)));
            scenarios.Add(new("V2 gRPC ModelInfer (fp32_contents)", rows, async () => await grpc.ModelInferAsync(typed,
                headers)));
            scenarios.Add(new("V2 gRPC ModelInfer (raw_input_contents)", rows, async () =>
                await grpc.ModelInferAsync(raw, headers)));
            scenarios.Add(new(InProcessName, rows, null, InProcess(weights, flat, rows)));
        }

        // Round-robin, one second per scenario per round: the other work on a shared machine weighs on every scenario
        // alike.
        // warm-up
        foreach (var scenario in scenarios)
            await scenario.RunAsync(TimeSpan.FromSeconds(0.5), connections, record: false);
        for (int round = 0; round < seconds; round++)
            foreach (var scenario in scenarios)
                await scenario.RunAsync(TimeSpan.FromSeconds(1), connections, record: true);
        var outcomes = scenarios.Select(s => s.Outcome()).ToList();

        string cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name",
            StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "unknown";
        foreach (var o in outcomes)
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"peer\":\"backprop-service\",\"benchmark\":\"service-load\",\"scenario\":\"{o.Scenario}\","
                + $"\"rows\":{o.Rows},\"connections\":{connections},\"requests_per_sec\":{o.RequestsPerSecond:F0},"
                + $"\"rows_per_sec\":{o.RowsPerSecond:F0},\"p50_ms\":{o.P50Ms:F3},\"p99_ms\":{o.P99Ms:F3},"
                + $"\"cpu\":\"{cpu}\",\"cores\":{Environment.ProcessorCount}}}"));
        Console.WriteLine($"CPU: {cpu}, {Environment.ProcessorCount} cores; {connections} concurrent callers; "
            + $"{seconds} rounds of 1 s per scenario, round-robin\n");
        Console.WriteLine("| scenario | rows/request | requests/s | rows/s | p50 ms | p99 ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var o in outcomes)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {o.Scenario} | {o.Rows:N0} | {o.RequestsPerSecond:N0} | {o.RowsPerSecond:N0} | {o.P50Ms:F2} | "
                    + $"{o.P99Ms:F2} |"));
        var trivial = outcomes[0].RequestsPerSecond;
        var oneRow = outcomes.First(o => o.Rows == 1 && o.Scenario.StartsWith("POST", StringComparison.Ordinal))
            .RequestsPerSecond;
        var inProcess = outcomes.Last(o => o.Scenario == InProcessName).RowsPerSecond;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"\none-row predict ÷ trivial endpoint: {oneRow / trivial:P0}"));
        foreach (var o in outcomes.Where(o => o.Rows == 1000 && o.Scenario != InProcessName))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"1,000-row {o.Scenario} ÷ in-process rows/s: {o.RowsPerSecond / inProcess:P0}"));
        return 0;

        // A JSON body, or with headerLength a binary one (the binary tensor data extension).
        async Task Post(string path, byte[] body, int? headerLength = null)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(headerLength is null ? "application/json"
                : "application/octet-stream");
            if (headerLength is { } length)
                content.Headers.Add("Inference-Header-Content-Length", length.ToString(CultureInfo.InvariantCulture));
            using var response = await http.PostAsync(path, content);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync(); // the whole body, as a caller reads it
        }
    }

    private const string InProcessName = "in-process predictor, 1 thread";

    /// <summary>One way to predict: concurrent HTTP or gRPC calls, or (no call) the in-process predictor on this
    /// thread.</summary>
    private sealed class Scenario(string name, int rows, Func<Task>? call, Action? local = null)
    {
        private readonly List<long> _latencies = new(1 << 16);
        private double _seconds;

        public async Task RunAsync(TimeSpan duration, int connections, bool record)
        {
            var started = Stopwatch.GetTimestamp();
            long end = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            var latencies = Enumerable.Range(0, connections).Select(_ => new List<long>()).ToArray();
            if (call is null)
                while (Stopwatch.GetTimestamp() < end)
                {
                    long t = Stopwatch.GetTimestamp();
                    local!();
                    latencies[0].Add(Stopwatch.GetTimestamp() - t);
                }
            else
                await Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
                {
                    while (Stopwatch.GetTimestamp() < end)
                    {
                        long t = Stopwatch.GetTimestamp();
                        await call();
                        latencies[worker].Add(Stopwatch.GetTimestamp() - t);
                    }
                }));
            if (!record) return;
            _seconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
            foreach (var l in latencies) _latencies.AddRange(l);
        }

        public Outcome Outcome()
        {
            var all = _latencies.Order().ToArray();
            double Ms(double q) => all[Math.Min(all.Length - 1, (int)(q * all.Length))] * 1000.0 / Stopwatch.Frequency;
            return new Outcome(name, rows, all.Length, _seconds, Ms(0.50), Ms(0.99));
        }
    }

    /// <summary>The model's own predictor on one thread (the service's chunk size): the ceiling an HTTP path is
    /// measured against.</summary>
    private static Action InProcess(string weightsJson, float[] flat, int rows)
    {
        var predictor = ModelSerializer.FromJson(weightsJson).CreatePredictor(256);
        return () => predictor.Predict(flat, rows);
    }
}
