using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using Backprop.Api.Jobs;

namespace Backprop.Api.Selection;

/// <summary>How trials' parameters are chosen.</summary>
public enum SearchStrategy
{
    /// <summary>Each trial draws every parameter from its distribution (seeded: trial i's draws depend only on the seed
    /// and i).</summary>
    Random,
    /// <summary>Every combination of the <c>choice</c> lists, the first parameter varying slowest.</summary>
    Grid,
}

/// <summary>Whether a larger metric is better.</summary>
public enum OptimizationDirection { Minimize, Maximize }

/// <summary>Which rule stops unpromising trials early.</summary>
public enum EarlyTerminationKind
{
    /// <summary>Asynchronous successive halving: at epochs minEpochs·η^k a trial continues only if it ranks in the top
    /// 1/η of the trials that reached that epoch.</summary>
    Asha,
    /// <summary>Every minEpochs epochs a trial stops when its best value so far is worse than the median of the other
    /// trials' values at that epoch.</summary>
    Median,
}

/// <summary>One parameter's distribution: exactly one of the four.</summary>
/// <param name="LogUniform">[low, high], both positive: exp of a uniform draw between their logarithms (learning rates,
/// L2).</param>
/// <param name="Uniform">[low, high]: a uniform draw (dropout).</param>
/// <param name="IntUniform">[low, high]: an integer drawn uniformly, both ends included (widths, batch sizes).</param>
/// <param name="Choice">Values to choose from, any JSON (numbers, activation names); the only kind a grid search
/// accepts.</param>
public sealed record DistributionRequest(double[]? LogUniform = null, double[]? Uniform = null,
    long[]? IntUniform = null, JsonElement[]? Choice = null);

/// <summary>Stop unpromising trials before their last epoch.</summary>
/// <param name="Kind">asha or median.</param>
/// <param name="MinEpochs">Epochs every trial runs before it can be stopped (ASHA's first rung; the median rule's grace
/// period and interval).</param>
/// <param name="ReductionFactor">η of ASHA: the share 1/η of trials continues at each rung.</param>
public sealed record EarlyTerminationRequest(EarlyTerminationKind Kind = EarlyTerminationKind.Asha, int MinEpochs = 10,
    int ReductionFactor = 3);

/// <summary>A hyperparameter search: trials of one job template that differ in the parameters of <paramref
/// name="Space"/>.</summary>
/// <param name="Name">Shown in lists.</param>
/// <param name="Network">The network definition of POST /api/networks, the template every trial changes.</param>
/// <param name="Job">The body of POST /api/jobs without networkId (datasetId, epochs, optimizer, validationFraction,
/// ...).</param>
/// <param name="Space">Per path into the template ("job.optimizer.learningRate", "network.layers[0].units"), its
/// distribution.</param>
/// <param name="Strategy">random or grid.</param>
/// <param name="MaxTrials">Trials to run; random needs it (default 10), grid defaults to the size of the grid.</param>
/// <param name="MaxConcurrentTrials">Trials running at once; the tenant's job quota may hold it lower.</param>
/// <param name="MaxWallSeconds">Stop the search (and cancel running trials) this long after it was created; null = no
/// limit.</param>
/// <param name="Metric">What to optimise, from each trial's last epoch: validationAccuracy, validationLoss,
/// validationRmse, validationR2, trainLoss, ...</param>
/// <param name="Direction">minimize or maximize; default: maximize accuracy and R², minimize losses and RMSE.</param>
/// <param name="EarlyTermination">asha or median; null = every trial runs all its epochs.</param>
/// <param name="Seed">Seed of the random draws: the same seed gives the same trials.</param>
public sealed record SearchRequest(
    [property: MaxLength(200)] string? Name,
    JsonObject? Network,
    JsonObject? Job,
    Dictionary<string, DistributionRequest>? Space,
    SearchStrategy Strategy = SearchStrategy.Random,
    int? MaxTrials = null,
    int MaxConcurrentTrials = 1,
    double? MaxWallSeconds = null,
    string Metric = "validationAccuracy",
    OptimizationDirection? Direction = null,
    EarlyTerminationRequest? EarlyTermination = null,
    ulong Seed = 0);

/// <summary>What the search has used of its budget.</summary>
public sealed record SearchBudget(int MaxTrials, int TrialsStarted, int TrialsFinished, int TrialsStoppedEarly,
    int MaxConcurrentTrials, double? MaxWallSeconds, double ElapsedSeconds);

public sealed record TrialLinks(string Job, string History, string? Model);

/// <summary>One trial on the leaderboard.</summary>
/// <param name="Rank">1 = best by the metric; trials without a value yet come last, unranked.</param>
/// <param name="Value">The metric at the trial's last epoch so far.</param>
/// <param name="Parameters">The value of each path of the space for this trial.</param>
/// <param name="Best">The best finished trial of the search (its model is the search's result).</param>
public sealed record TrialResponse(int? Rank, int Trial, Guid JobId, JobStatus Status, JobStopReason? StopReason,
    int Epoch, int Epochs, double? Value,
    IReadOnlyDictionary<string, JsonNode?> Parameters, bool Best, TrialLinks Links);

public sealed record SearchResponse(Guid Id, string? Name, JobStatus Status, string? StopReason,
    SearchStrategy Strategy, string Metric,
    OptimizationDirection Direction, DateTime CreatedAt, DateTime? FinishedAt, SearchBudget Budget, Guid? BestJobId,
        Guid? BestModelId,
    double? BestValue, IReadOnlyList<TrialResponse> Leaderboard);

public sealed record SearchSummary(Guid Id, string? Name, JobStatus Status, string Metric, int MaxTrials,
    DateTime CreatedAt, DateTime? FinishedAt);
