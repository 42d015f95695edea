import PruneKit

/// What `InspectorModel.update` asks to happen, as a value: the effect
/// runner does it (the only inspector code that starts background work or
/// touches files), so a test can check "this key asked for an export"
/// without writing one.
public enum InspectorEffect: Equatable, Sendable {
    /// Read every tensor once for its statistics and value distribution
    /// (decisions under `rules`), posting progress, then `.loaded`.
    case loadStatistics(rules: PrunableRules)
    /// Prune by magnitude and write a new checkpoint (see `InspectorExport`).
    case export(InspectorExport)
    /// Stop the statistics pass at its next check.
    case cancelLoading
    /// Measure `cut` with the user's evaluator (`generation` of `InspectorModel.evaluation`).
    case evaluate(generation: Int, InspectorCut)
    /// The cut being measured is stale: tell the evaluator to stop.
    case cancelEvaluation
}

/// A magnitude-pruned copy of the checkpoint to write: what the screen
/// showed when the export was asked for.
public struct InspectorExport: Equatable, Sendable {
    /// The `.safetensors` file to write.
    public var path: String
    /// Write over an existing file (else the runner asks back with `.exportTargetExists`).
    public var replacing: Bool
    /// The tensors to prune; every other tensor is copied byte for byte.
    public var tensors: [String]
    public var scope: Scope
    /// 2:4 semi-structured instead of `amount`.
    public var twoOfFour: Bool
    /// Fraction of the prunable weights to prune (global scope) or of each tensor's (layer scope).
    public var amount: Double
    /// Create the file's missing parent directories (else the runner asks
    /// back with `.exportParentMissing`: a typo should not make a tree).
    public var createParents: Bool

    public init(
        path: String, replacing: Bool, tensors: [String], scope: Scope, twoOfFour: Bool, amount: Double,
        createParents: Bool = false
    ) {
        self.path = path
        self.replacing = replacing
        self.createParents = createParents
        self.tensors = tensors
        self.scope = scope
        self.twoOfFour = twoOfFour
        self.amount = amount
    }
}

/// What the inspector's background work posts to the UI thread.
public enum InspectorMessage: Sendable {
    /// Progress of the statistics pass.
    case progress(InspectionProgress)
    /// The statistics of every tensor.
    case loaded(CheckpointInspection)
    /// The statistics pass failed (or was cancelled): the message.
    case loadFailed(String)
    /// The export target exists and nothing was written: ask before replacing it.
    case exportTargetExists(path: String)
    /// The export target's directory `parent` does not exist and nothing was written: ask before creating it.
    case exportParentMissing(path: String, parent: String)
    /// The export ended: a one-line message and whether it failed.
    case exportFinished(message: String, failed: Bool)
    /// The evaluator's answer for `generation` (nil: cancelled).
    case evaluated(generation: Int, EvaluatorResult?)
    /// The evaluator failed (one line, naming it and its log).
    case evaluationFailed(generation: Int, String)
}
