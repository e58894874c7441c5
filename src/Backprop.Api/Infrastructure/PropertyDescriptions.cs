namespace Backprop.Api.Infrastructure;

/// <summary>
/// Descriptions of response properties by JSON name (or <c>Schema.name</c> where a name means something else there),
/// for the properties whose record has no XML doc for them: one sentence per name, the same wherever the name appears.
/// </summary>
internal static class PropertyDescriptions
{
    public static string? For(string schema, string property) =>
        Specific.TryGetValue($"{schema}.{property}", out var specific) ? specific : Shared.GetValueOrDefault(property);

    private static readonly Dictionary<string, string> Specific = new(StringComparer.Ordinal)
    {
        ["JobHistoryResponse.epochs"] = "The epochs' reports, oldest first (from fromEpoch, at most limit of them).",
        ["JobHistoryResponse.status"] = "The job's status now.",
        ["ModelResponse.metrics"] = "Metrics on the job's validation split, or on its training data when it had " +
            "none (evaluatedOn says which); null for imported models.",
        ["ModelLinks.self"] = "This model.",
        ["JobLinks.self"] = "This job.",
        ["JobLinks.model"] = "The model the job produced, once it succeeded.",
        ["ColumnProfile.name"] = "The column's name in the upload.",
        ["ColumnProfile.type"] = "What the column holds: numeric, or categorical for a classification target.",
        ["ColumnProfile.role"] = "feature or target.",
        ["ClassProfile.count"] = "Rows with this label.",
        ["DatasetRows.columns"] = "Column names: the features, then the target.",
        ["DatasetRows.rows"] = "Rows in columns order: features in raw units, then the target.",
        ["DatasetRows.limit"] = "Rows asked for.",
        ["DatasetRows.offset"] = "Index of the first row returned.",
        ["LayerGradientErrorResponse.layer"] = "Layer index, 0 = first hidden layer.",
        ["LayerStatisticsResponse.layer"] = "Layer index, 0 = first hidden layer.",
        ["ModelLineage.source"] = "training (made by a job) or import.",
        ["ModelLineage.epochs"] = "Epochs the model was trained for.",
        ["ModelLineage.seed"] = "Seed of the run (or of the imported spec).",
        ["NetworkResponse.layers"] = "Hidden layers then the output layer, with every default filled in.",
        ["ModelResponse.architecture"] = "The network definition the model was trained from.",
        ["JobResponse.diagnostics"] = "Findings of the training diagnostics (dead_relu, vanishing_gradients, " +
            "overfitting, ...): code, severity, first and last epoch, layer, evidence and a fix (docs/diagnostics.md).",
        ["JobResponse.request"] =
            "The request the job was started with, as given (omitted options show their defaults).",
        ["NetworkCheckResponse.parameterCount"] =
            "Weights and biases in the network; null when the definition is invalid.",
        ["NetworkCheckResponse.problems"] = "What prevents storing or training the network; empty when valid.",
        ["JobResponse.crossValidation"] = "A cross-validation job's folds and their summary; null on every other job.",
        ["JobResponse.fold"] = "The fold a cross-validation child holds out; null for every other job.",
        ["LevelProfile.level"] = "The categorical level as it appears in the upload.",
        ["LevelProfile.count"] = "Rows with this level.",
        ["PreparationResponse.imputation"] = "mean or median: what fills a missing numeric or boolean cell.",
        ["PreparationResponse.missingIndicators"] =
            "Whether numeric and boolean columns with missing cells got a 0/1 indicator input.",
        ["PreparationResponse.minLevelCount"] = "Levels with fewer training rows share one \"(other)\" input.",
        ["PreparationResponse.unseenLevels"] =
            "At prediction, a level the training split never held: ignore or refuse.",
        ["FoldResult.fold"] = "The fold held out, from 0.",
        ["NetworkResponse.inputDropout"] = "Share of input features zeroed at random in each training batch; 0 = none.",
        ["SearchBudget.maxTrials"] = "Trials the search runs at most.",
        ["SearchBudget.trialsStarted"] = "Trials started so far.",
        ["SearchBudget.trialsFinished"] = "Trials that have ended (succeeded, failed or cancelled).",
        ["SearchBudget.trialsStoppedEarly"] = "Trials the early-termination rule stopped.",
        ["SearchBudget.maxConcurrentTrials"] = "Trials that may run at once.",
        ["SearchBudget.maxWallSeconds"] = "Wall-clock budget of the search in seconds, or null for none.",
        ["SearchResponse.strategy"] = "random or grid.",
        ["SearchResponse.metric"] =
            "The metric trials are ranked by (a history metric's JSON name, e.g. validationAccuracy).",
        ["SearchResponse.direction"] = "maximize or minimize the metric.",
        ["SearchResponse.budget"] = "What the search has used of its budget.",
        ["SearchResponse.bestJobId"] = "The best finished trial's job, or null while none has finished.",
        ["SearchResponse.bestModelId"] = "The best finished trial's model (the search's result), or null.",
        ["SearchResponse.bestValue"] = "The best finished trial's metric, or null.",
        ["SearchResponse.leaderboard"] = "Every trial, best first.",
        ["SearchSummary.metric"] = "The metric trials are ranked by.",
        ["SearchSummary.maxTrials"] = "Trials the search runs at most.",
        ["TrialLinks.job"] = "The trial's training job.",
        ["TrialLinks.model"] = "The trial's model, once it succeeded.",
        ["TrialResponse.trial"] = "The trial's number within its search, from 0.",
    };

    private static readonly Dictionary<string, string> Shared = new(StringComparer.Ordinal)
    {
        // Refit (TrainingJobRequest.refit)
        ["phase"] = "A refitting job's training: selection (on the training split, while the validation split " +
            "chooses the epoch count) or refit (on every row for that count); null for a job that does not refit.",
        ["refitFromEpoch"] = "The last epoch of the selection phase: the history's later epochs are the refit; null " +
            "until the refit starts.",
        ["refitEpochs"] = "Epochs the refit trains on every row (the count the validation split chose); null until " +
            "the refit starts.",
        // Resources
        ["id"] = "The resource's id (a UUID, version 7).",
        ["name"] = "The label given at creation, or null.",
        ["createdAt"] = "When it was created (UTC, ISO 8601).",
        ["finishedAt"] = "When the job ended (UTC), or null while it runs.",
        ["startedAt"] = "When a worker first started the job (UTC), or null while queued.",
        ["revokedAt"] = "When the key was revoked (UTC), or null while it is live.",
        ["links"] = "URLs of this resource and the ones related to it.",
        ["self"] = "This resource.",
        ["history"] = "The job's per-epoch history.",
        ["weights"] = "The model as JSON weights (re-importable).",
        ["predict"] = "Where to send rows for predictions.",
        ["tenant"] = "The tenant that owns it: keys of one tenant never see another's resources.",
        ["prefix"] = "The key's first 12 characters, to recognise it (the service keeps only a hash of the rest).",
        ["development"] = "True for the development key created at a loopback-only start.",
        ["key"] = "The key itself: shown only in this response, send it as Authorization: Bearer <key>.",
        // Paging
        ["items"] = "This page's items, newest first.",
        ["page"] = "This page's number, from 1.",
        ["pageSize"] = "Items per page.",
        ["totalCount"] = "Items on every page together.",
        // Ids of related resources
        ["networkId"] = "The network configuration.",
        ["datasetId"] = "The dataset.",
        ["modelId"] = "The model, or null when there is none (yet).",
        ["jobId"] = "The training job.",
        ["warmStartModelId"] = "The model whose weights the job started from, or null.",
        ["parentJobId"] = "The cross-validation job this job is a fold (or the final training) of, or null.",
        ["searchId"] = "The hyperparameter search this job is a trial of, or null.",
        ["continuedFromModelId"] = "The model whose run this job carries on (POST /api/models/{id}/continue), or null.",
        // Datasets
        ["task"] = "classification or regression.",
        ["targetColumn"] = "The column predicted.",
        ["rowCount"] = "Rows in the dataset.",
        ["totalRows"] = "Rows in the dataset.",
        ["featureCount"] = "Feature columns (the network's inputWidth).",
        ["classCount"] = "Distinct classes (classification), else 0.",
        ["sizeBytes"] = "Bytes stored for the dataset (counted against the tenant's quota).",
        ["columns"] = "Every column's role, type and statistics.",
        ["classes"] = "Each class label and its row count, in the label order models use (classification).",
        ["warnings"] = "Advice: things that are legal but likely to train badly.",
        ["label"] = "The class name.",
        ["mean"] = "Mean of the column's values (numeric columns).",
        ["std"] = "Standard deviation of the column's values (numeric columns).",
        ["min"] = "Smallest value (numeric columns).",
        ["max"] = "Largest value (numeric columns).",
        ["missing"] = "Empty cells.",
        // Networks
        ["inputWidth"] = "Number of input features.",
        ["outputWidth"] = "Units of the output layer.",
        ["layerCount"] = "Layers, the output layer included.",
        ["parameterCount"] = "Weights and biases in the network.",
        ["loss"] = "The training loss.",
        ["init"] = "The weight initialisation.",
        ["seed"] = "Seed of the initial weights, shuffles and validation split.",
        ["huberDelta"] = "Threshold of the huber loss.",
        ["valid"] = "True when the definition can be stored and trained.",
        ["path"] = "Where the problem is, e.g. layers[1].activation.",
        ["message"] = "What is wrong.",
        ["fix"] = "How to fix it.",
        ["rows"] = "Rows used.",
        ["maxRelativeError"] =
            "Largest relative error |analytic − numeric| / max(|analytic|, |numeric|) over all parameters.",
        ["maxRelativeErrorWeights"] = "Largest relative error over the layer's weights.",
        ["maxRelativeErrorBiases"] = "Largest relative error over the layer's biases.",
        ["verdict"] = "The check's reading of the largest relative error, in words (matches below 1e-6, " +
            "close below 1e-3, else suspicious).",
        // Jobs
        ["status"] = "queued, running, succeeded, failed or cancelled.",
        ["epoch"] = "Epochs completed (advances at checkpoints while running).",
        ["epochs"] = "Epochs the job runs at most.",
        ["trainLoss"] = "Mean loss over the training split in the last completed epoch (without the L2 penalty).",
        ["validationLoss"] = "Loss on the validation split in the last completed epoch, or null without one.",
        ["bestTrainLoss"] = "Lowest training loss so far.",
        ["bestValidationLoss"] = "Lowest validation loss so far.",
        ["bestEpoch"] = "Epoch of the best monitored value (with early stopping).",
        ["elapsedSeconds"] = "Seconds since the job started (to its end once finished).",
        ["estimatedRemainingSeconds"] =
            "Estimated seconds to the last epoch, from the epochs done so far; 0 once finished.",
        ["stopReason"] = "Why training stopped: completed, early_stopped, diverged, cancelled or failed.",
        ["failureReason"] = "Why the job failed, e.g. \"diverged at epoch 12: the loss became NaN\".",
        ["attempt"] = "How many times a worker has claimed the job (more than 1 after a restart).",
        ["request"] = "The request as given.",
        ["optimizer"] = "The update rule and its settings; omitted = adam with the defaults shown.",
        ["schedule"] = "The learning-rate schedule; omitted = constant.",
        ["earlyStopping"] = "Stop when a metric stops improving (see epochs for what omitting it means).",
        ["activation"] = "The layer's activation.",
        ["trainAccuracy"] = "Share of training rows classified correctly (classification).",
        ["validationAccuracy"] = "Share of validation rows classified correctly (classification).",
        ["trainRmse"] = "Root-mean-square error on the training split, raw units (regression).",
        ["validationRmse"] = "Root-mean-square error on the validation split, raw units (regression).",
        ["trainR2"] = "R² on the training split (regression).",
        ["validationR2"] = "R² on the validation split (regression).",
        ["learningRate"] = "The epoch's base learning rate after the schedule (before layer multipliers).",
        ["layers"] = "One entry per layer.",
        ["durationMs"] = "Wall-clock milliseconds of the epoch.",
        ["weightGradientNorm"] =
            "Mean over the epoch's batches of the L2 norm of the layer's weight gradient (before clipping).",
        ["biasGradientNorm"] =
            "Mean over the epoch's batches of the L2 norm of the layer's bias gradient (before clipping).",
        ["updateRatio"] =
            "‖ΔW‖ / ‖W‖ of the epoch's last update of the layer's weights (healthy training is typically around 1e-3).",
        // Models
        ["source"] = "training or import.",
        ["inputNormalization"] = "The scaling applied to raw inputs before the network.",
        ["targetNormalization"] =
            "The scaling of regression targets while training (predictions are mapped back), or null.",
        ["featureNames"] = "Input columns in the order the network reads them.",
        ["classNames"] = "Class labels in output order (classification).",
        ["targetNames"] = "Target columns in output order (regression).",
        ["metrics"] = "Metrics of the model.",
        ["lineage"] = "Where the model came from.",
        ["architecture"] = "The network definition.",
        ["accuracy"] = "Share classified correctly (classification).",
        ["rmse"] = "Root-mean-square error, raw units (regression).",
        ["kind"] = "The kind of scaling: z_score, min_max or none.",
        ["offsets"] = "Per input column, the value subtracted (mean or minimum).",
        ["scales"] = "Per input column, the divisor (standard deviation or range).",
        ["predictions"] = "One prediction per row, in request order.",
        // RFC 9457 problem documents
        ["type"] = "A URI reference that identifies the problem type.",
        ["title"] = "A short summary of the problem type (the same for every 404: Not Found).",
        ["detail"] = "What went wrong with this request, and what to do.",
        ["instance"] = "The request the problem is about.",
        ["errors"] =
            "For validation problems: messages keyed by the field path (layers[1].activation, optimizer.learningRate).",
    };
}
