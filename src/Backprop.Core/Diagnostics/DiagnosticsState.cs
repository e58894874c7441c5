namespace Backprop.Core.Diagnostics;

/// <summary>
/// Everything <see cref="TrainingDiagnostics"/> remembers between epochs, so a resumed job reads its signals as if it
/// had never stopped. Plain values only: a host stores it beside the job's checkpoint.
/// </summary>
/// <param name="Epoch">Last epoch observed.</param>
/// <param name="FirstLoss">Training loss of the first epoch observed.</param>
/// <param name="BestTrainLoss">Lowest training loss so far.</param>
/// <param name="BestTrainEpoch">Its epoch.</param>
/// <param name="BestValidationLoss">Lowest validation loss so far (NaN without a validation split).</param>
/// <param name="BestValidationEpoch">Its epoch (0 without a validation split).</param>
/// <param name="TrainLossAtBestValidation">Training loss at that epoch.</param>
/// <param name="RecentLosses">The last window + 1 training losses, oldest first.</param>
/// <param name="FirstGradientNorms">Per layer, the weight-gradient norm of the first epoch observed.</param>
/// <param name="StreakStarts">Per layer condition and layer, the first epoch of the current streak (0: none).</param>
/// <param name="Findings">What has been found so far.</param>
public sealed record DiagnosticsState(
    int Epoch,
    double FirstLoss,
    double BestTrainLoss,
    int BestTrainEpoch,
    double BestValidationLoss,
    int BestValidationEpoch,
    double TrainLossAtBestValidation,
    double[] RecentLosses,
    double[] FirstGradientNorms,
    int[] StreakStarts,
    IReadOnlyList<Finding> Findings);
