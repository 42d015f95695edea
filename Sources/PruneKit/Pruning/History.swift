/// One recorded step of a pruning session.
public struct HistoryStep: Codable, Sendable, Equatable, Identifiable {
    /// What kind of change the step made.
    public enum Kind: String, Codable, Sendable {
        /// The state the session started from.
        case start
        /// Masks changed.
        case prune
        /// Weights trained with the masks held fixed (L1 lambda 0).
        case retrain
        /// Weights trained with an L1 penalty (lambda > 0) to make them prunable.
        case regularise
        /// Surviving weights reset to a rewind point (lottery ticket).
        case rewind
        /// Masks changed during training (gradual schedule).
        case gradual
        /// An adaptive schedule went back to its last good state after a
        /// step cost too much accuracy (weights, masks and optimiser state
        /// restored from that step).
        case backoff
    }

    /// Position in the history, 0 for the start.
    public var id: Int
    public var kind: Kind
    /// One-line summary, e.g. "magnitude unstructured layer sparsity 0.9".
    public var summary: String
    /// The step's parameters as text (criterion, amount, epochs, lr, ...).
    public var parameters: [String: String]
    /// Metrics after the step (accuracy and loss on the validation set if the session has one).
    public var metrics: ModelMetrics
    /// The pruning request, for prune steps.
    public var request: PruneRequest?
    /// Per-epoch training metrics, for retrain/regularise/gradual steps.
    public var epochs: [EpochMetrics]

    public init(
        id: Int, kind: Kind, summary: String, parameters: [String: String], metrics: ModelMetrics,
        request: PruneRequest? = nil, epochs: [EpochMetrics] = []
    ) {
        self.id = id
        self.kind = kind
        self.summary = summary
        self.parameters = parameters
        self.metrics = metrics
        self.request = request
        self.epochs = epochs
    }
}

/// Everything needed to restore a step bit for bit: every parameter's value
/// and mask, and the optimiser's state.
public struct SessionSnapshot: Sendable, Equatable {
    /// Value of every parameter, by tensor name.
    public var values: [String: Tensor]
    /// Mask of every masked parameter, by tensor name.
    public var masks: [String: Tensor]
    /// Optimiser buffers ("<param>.momentum", ...), empty before any training.
    public var optimizerState: [String: Tensor]
    /// Optimiser steps taken so far (Adam's bias correction depends on it).
    public var optimizerStepCount: Int

    /// Captures `model`'s parameters.
    public init(model: Model, optimizerState: [String: Tensor], optimizerStepCount: Int) {
        var values = [String: Tensor]()
        var masks = [String: Tensor]()
        for p in model.parameters {
            values[p.name] = p.value
            if let m = p.mask { masks[p.name] = m }
        }
        self.values = values
        self.masks = masks
        self.optimizerState = optimizerState
        self.optimizerStepCount = optimizerStepCount
    }

    public init(values: [String: Tensor], masks: [String: Tensor], optimizerState: [String: Tensor], optimizerStepCount: Int) {
        self.values = values
        self.masks = masks
        self.optimizerState = optimizerState
        self.optimizerStepCount = optimizerStepCount
    }

    /// Writes the values and masks back into `model` (parameters absent from the snapshot are left alone).
    public func restore(into model: Model) {
        for p in model.parameters {
            if let v = values[p.name] { p.value = v }
            p.mask = masks[p.name]
        }
    }
}
