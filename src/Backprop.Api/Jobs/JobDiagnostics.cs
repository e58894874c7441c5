using System.Text.Json;
using Backprop.Core.Diagnostics;

namespace Backprop.Api.Jobs;

/// <summary>
/// When the job's training signals become findings (see docs/diagnostics.md). Every property is optional; an omitted
/// one keeps its default.
/// </summary>
/// <param name="MinEpochs">Consecutive epochs a layer condition must hold before it is reported (default 3).</param>
/// <param name="DeadUnitFraction">dead_relu: share of a ReLU-family layer's units with no positive pre-activation over
/// an epoch (default 0.5).</param>
/// <param name="SaturatedFraction">saturated_units: share of a sigmoid/tanh layer's activations within 1 % of an
/// asymptote (default 0.5).</param>
/// <param name="VanishingRatio">vanishing_gradients: a layer's RMS weight gradient over the output layer's, below this
/// (default 0.001).</param>
/// <param name="ExplodingRatio">exploding_gradients: that ratio above this (default 1000).</param>
/// <param name="GradientGrowth">exploding_gradients: a layer's gradient norm over its first epoch's, above this
/// (default 1000).</param>
/// <param name="MinUpdateRatio">updates_too_small: ‖ΔW‖/‖W‖ per update below this (default 1e-6).</param>
/// <param name="MaxUpdateRatio">updates_too_large: ‖ΔW‖/‖W‖ per update above this (default 0.1).</param>
/// <param name="Window">Epochs examined for oscillation and plateaus (default 10).</param>
/// <param name="LossRise">learning_rate_too_high: training loss above this multiple of its best (default 3).</param>
/// <param name="OscillationAmplitude">learning_rate_too_high: mean loss change over the window as a share of the loss,
/// with at least half the changes reversing (default 0.1).</param>
/// <param name="PlateauImprovement">plateau: relative improvement over the window below this (default 0.01)...</param>
/// <param name="PlateauLossFraction">...while the loss is above this share of the first epoch's (default 0.5).</param>
/// <param name="OverfittingPatience">overfitting: epochs since the best validation loss (default 10)...</param>
/// <param name="OverfittingRise">...with the validation loss this share above its best (default 0.1).</param>
public sealed record DiagnosticThresholdsRequest(
    int? MinEpochs = null,
    double? DeadUnitFraction = null,
    double? SaturatedFraction = null,
    double? VanishingRatio = null,
    double? ExplodingRatio = null,
    double? GradientGrowth = null,
    double? MinUpdateRatio = null,
    double? MaxUpdateRatio = null,
    int? Window = null,
    double? LossRise = null,
    double? OscillationAmplitude = null,
    double? PlateauImprovement = null,
    double? PlateauLossFraction = null,
    int? OverfittingPatience = null,
    double? OverfittingRise = null)
{
    public static DiagnosticThresholdsRequest From(DiagnosticThresholds t) => new(t.MinEpochs, t.DeadUnitFraction,
        t.SaturatedFraction,
        t.VanishingRatio, t.ExplodingRatio, t.GradientGrowth, t.MinUpdateRatio, t.MaxUpdateRatio, t.Window, t.LossRise,
            t.OscillationAmplitude,
        t.PlateauImprovement, t.PlateauLossFraction, t.OverfittingPatience, t.OverfittingRise);

    public DiagnosticThresholds ToThresholds()
    {
        var d = DiagnosticThresholds.Default;
        return new DiagnosticThresholds(MinEpochs ?? d.MinEpochs, DeadUnitFraction ?? d.DeadUnitFraction,
            SaturatedFraction ?? d.SaturatedFraction,
            VanishingRatio ?? d.VanishingRatio, ExplodingRatio ?? d.ExplodingRatio, GradientGrowth ?? d.GradientGrowth,
            MinUpdateRatio ?? d.MinUpdateRatio, MaxUpdateRatio ?? d.MaxUpdateRatio, Window ?? d.Window, LossRise
                ?? d.LossRise,
            OscillationAmplitude ?? d.OscillationAmplitude, PlateauImprovement ?? d.PlateauImprovement,
            PlateauLossFraction ?? d.PlateauLossFraction, OverfittingPatience ?? d.OverfittingPatience, OverfittingRise
                ?? d.OverfittingRise);
    }
}

/// <summary>Something the diagnostics read in the job's training signals, with what to change.</summary>
/// <param name="Code">vanishing_gradients, exploding_gradients, dead_relu, saturated_units, learning_rate_too_high,
/// plateau, overfitting, frozen_biases, updates_too_large, updates_too_small or non_finite.</param>
/// <param name="Severity">info (worth knowing), warning (the model is likely worse for it) or error (training cannot
/// succeed as configured).</param>
/// <param name="Epoch">First epoch at which the condition held.</param>
/// <param name="LastEpoch">Last epoch at which it held.</param>
/// <param name="Layer">0-based layer it concerns; null for the whole run.</param>
/// <param name="Message">What was seen, with the numbers.</param>
/// <param name="Fix">What to change.</param>
/// <param name="Evidence">The measured values and the thresholds they were compared with.</param>
public sealed record FindingResponse(string Code, string Severity, int Epoch, int LastEpoch, int? Layer,
    string Message, string Fix, IReadOnlyDictionary<string, double> Evidence);

/// <summary>The job's diagnostics state as stored with its checkpoints (plain data, separate from the response
/// shape).</summary>
internal static class JobDiagnostics
{
    // The state holds NaN for "not seen yet" (no validation split, no epoch), which JSON has no number for.
    private static readonly JsonSerializerOptions StateJson = new(StoredJson.Options)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Write(DiagnosticsState state) => JsonSerializer.Serialize(state, StateJson);

    public static DiagnosticsState? Read(string? json)
    {
        if (json is null) return null;
        try { return JsonSerializer.Deserialize<DiagnosticsState>(json, StateJson); }
        catch (JsonException) { return null; } // an unreadable state only costs the findings so far, never the job
    }

    public static DiagnosticThresholdsRequest ToRequest(this DiagnosticThresholds t) =>
        DiagnosticThresholdsRequest.From(t);

    public static IReadOnlyList<FindingResponse> Findings(string? json) =>
        Read(json)?.Findings.Select(ToResponse).ToList() ?? [];

    public static FindingResponse ToResponse(this Finding f) => new(f.Code, f.Severity.ToString().ToLowerInvariant(),
        f.Epoch, f.LastEpoch, f.Layer,
        f.Message, f.Fix, f.Evidence.ToDictionary(e => e.Key, e => double.IsFinite(e.Value) ? e.Value : 0));
}
