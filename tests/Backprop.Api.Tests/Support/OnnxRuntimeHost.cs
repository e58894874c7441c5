using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Backprop.Api.Tests.Support;

/// <summary>
/// ONNX Runtime with its log captured: one process-wide environment whose logging function records every message at
/// warning level or above, so a test can assert that loading a model logged none. Sessions run on one thread.
/// </summary>
internal static class OnnxRuntimeHost
{
    private static readonly ConcurrentQueue<string> Messages = new();
    private static readonly object LoadLock = new();

    // Held in a field: the native environment calls it for the life of the process.
    private static readonly DOrtLoggingFunction Logger = (_, severity, category, logId, location, message) =>
        Messages.Enqueue($"{severity} [{category}/{logId}] {location}: {message}");

    private static readonly Lazy<OrtEnv> Environment = new(() =>
    {
        var options = new EnvironmentCreationOptions
        {
            logId = "backprop-tests",
            logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            loggingFunction = Logger,
        };
        return OrtEnv.CreateInstanceWithOptions(ref options);
    });

    /// <summary>Loads a model with strict shape and type inference; returns the session and what ORT logged at warning
    /// or above while loading.</summary>
    public static (InferenceSession Session, IReadOnlyList<string> Warnings) Load(byte[] model)
    {
        _ = Environment.Value;
        using var options = new SessionOptions
        {
            LogId = "onnx-export-test",
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        // An inferred shape or type that contradicts the declared one fails the load instead of a warning.
        options.AddSessionConfigEntry("session.strict_shape_type_inference", "1");
        lock (LoadLock) // one load at a time: the messages logged between the two counts are this load's
        {
            int before = Messages.Count;
            var session = new InferenceSession(model, options);
            return (session, Messages.Skip(before).ToList());
        }
    }

    /// <summary>Runs a session on float <c>[rows, width]</c> or string <c>[rows, 1]</c> inputs; returns every output by
    /// name.</summary>
    public static Dictionary<string, Array> Run(InferenceSession session, IReadOnlyDictionary<string, object> inputs,
        int rows)
    {
        var values = new List<OrtValue>();
        try
        {
            foreach (var (name, data) in inputs)
                values.Add(data switch
                {
                    float[] floats => OrtValue.CreateTensorValueFromMemory(floats, [rows, floats.Length / rows]),
                    string[] strings => StringTensor(strings),
                    _ => throw new ArgumentException($"Unsupported input type for {name}."),
                });
            using var results = session.Run(new RunOptions(), [.. inputs.Keys], values, session.OutputNames);
            return session.OutputNames.Zip(results).ToDictionary(p => p.First,
                p => p.Second.GetTensorTypeAndShape().ElementDataType switch
            {
                TensorElementType.Int64 => (Array)p.Second.GetTensorDataAsSpan<long>().ToArray(),
                _ => p.Second.GetTensorDataAsSpan<float>().ToArray(),
            });
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    private static OrtValue StringTensor(string[] strings)
    {
        var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, [strings.Length, 1]);
        for (int i = 0; i < strings.Length; i++) value.StringTensorSetElementAt(strings[i], i);
        return value;
    }
}
