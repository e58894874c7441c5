namespace Backprop.Core.Training;

/// <summary>Gradient and update statistics of one layer over an epoch.</summary>
/// <param name="Layer">0-based layer index.</param>
/// <param name="WeightGradientNorm">Mean over the epoch's batches of ‖dL/dW‖₂ (before clipping).</param>
/// <param name="BiasGradientNorm">Mean over the epoch's batches of ‖dL/db‖₂ (before clipping).</param>
/// <param name="UpdateRatio">‖ΔW‖₂ / ‖W‖₂ of the epoch's last update (healthy training is typically around
/// 1e-3).</param>
/// <param name="BiasUpdateNorm">‖Δb‖₂ of the epoch's last update (0 when the biases did not move).</param>
/// <param name="InactiveFraction">ReLU-family hidden layers: share of units whose pre-activation was never positive
/// over the epoch (dead units pass no gradient); null for other layers.</param>
/// <param name="SaturatedFraction">Sigmoid and tanh hidden layers: share of the epoch's activations within 1 % of an
/// asymptote (|z| &gt; 4.595 for sigmoid, &gt; 2.647 for tanh), where f'(z) nearly vanishes; null for other
/// layers.</param>
public readonly record struct LayerStatistics(int Layer, double WeightGradientNorm, double BiasGradientNorm,
    double UpdateRatio, double BiasUpdateNorm = 0, double? InactiveFraction = null, double? SaturatedFraction = null);

/// <summary>What happened in one epoch. Regression metrics are in raw target units; R² is averaged over target
/// columns.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Σ_batches (batch mean loss × batch rows) / training rows, data loss only.</param>
/// <param name="ValidationLoss">Mean loss on the validation split after the epoch, or null without one.</param>
/// <param name="TrainAccuracy">Share of training rows classified correctly during the epoch (classification).</param>
/// <param name="ValidationAccuracy">Validation accuracy after the epoch (classification with a split).</param>
/// <param name="TrainRmse">Root-mean-square error on the training rows during the epoch (regression).</param>
/// <param name="ValidationRmse">Validation RMSE after the epoch (regression with a split).</param>
/// <param name="TrainR2">Coefficient of determination on the training rows (regression).</param>
/// <param name="ValidationR2">Validation R² (regression with a split).</param>
/// <param name="LearningRate">Base learning rate used in this epoch.</param>
/// <param name="Layers">Per-layer gradient norms and update ratios.</param>
/// <param name="Duration">Wall time of the epoch including validation.</param>
public readonly record struct EpochReport(
    int Epoch,
    double TrainLoss,
    double? ValidationLoss,
    double? TrainAccuracy,
    double? ValidationAccuracy,
    double? TrainRmse,
    double? ValidationRmse,
    double? TrainR2,
    double? ValidationR2,
    double LearningRate,
    LayerStatisticsList Layers,
    TimeSpan Duration);

/// <summary>Why a training session stopped.</summary>
public enum StopReason
{
    /// <summary>All requested epochs ran.</summary>
    Completed,
    /// <summary>Early stopping triggered.</summary>
    EarlyStopped,
    /// <summary>Loss, gradient or weights became NaN or infinite; the session holds the last finite weights.</summary>
    Diverged,
}
