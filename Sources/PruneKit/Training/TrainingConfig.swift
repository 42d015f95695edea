/// How to train: epochs, batch size, optimiser, seed and an optional L1 penalty.
public struct TrainingConfig: Codable, Sendable, Equatable {
    /// Passes over the training set.
    public var epochs: Int
    /// Samples per optimiser step (the last batch of an epoch may be smaller).
    public var batchSize: Int
    /// Optimiser and its hyper-parameters.
    public var optimizer: OptimizerConfig
    /// Seeds the per-epoch shuffling and dropout; same seed, same numbers.
    public var seed: UInt64
    /// Strength of the L1 penalty `l1Lambda * sum |w|` over every parameter
    /// whose role is `.weight` (biases excluded); 0 switches it off.
    public var l1Lambda: Float = 0

    public init(epochs: Int, batchSize: Int, optimizer: OptimizerConfig, seed: UInt64, l1Lambda: Float = 0) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.seed = seed
        self.l1Lambda = l1Lambda
    }

    private enum CodingKeys: String, CodingKey { case epochs, batchSize, optimizer, seed, l1Lambda }

    /// Decodes a configuration; a missing `l1Lambda` means 0 (no penalty).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try c.decode(Int.self, forKey: .epochs)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        optimizer = try c.decode(OptimizerConfig.self, forKey: .optimizer)
        seed = try c.decode(UInt64.self, forKey: .seed)
        l1Lambda = try c.decodeIfPresent(Float.self, forKey: .l1Lambda) ?? 0
    }
}

/// Loss and accuracy after one epoch. `epoch` counts from 1.
public struct EpochMetrics: Codable, Sendable, Equatable {
    /// Epoch number, from 1 (continues across calls to `Trainer.train`).
    public var epoch: Int
    /// Mean cross-entropy over the epoch's training batches (training mode,
    /// weights changing during the epoch; the L1 penalty is not included).
    public var trainLoss: Float
    /// Fraction of training samples classified correctly during the epoch, in [0, 1].
    public var trainAccuracy: Double
    /// Cross-entropy on the validation set after the epoch, if one was given.
    public var validationLoss: Float?
    /// Validation accuracy in [0, 1] after the epoch, if a validation set was given.
    public var validationAccuracy: Double?

    public init(
        epoch: Int, trainLoss: Float, trainAccuracy: Double,
        validationLoss: Float? = nil, validationAccuracy: Double? = nil
    ) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
    }
}

/// Progress reported by `Trainer.train` as it runs.
public enum TrainingEvent: Sendable {
    /// One optimiser step done. `epoch` counts from 1, `step` is the 1-based
    /// step within the epoch, `globalStep` the trainer's total steps so far;
    /// `loss` is that batch's mean cross-entropy (without the L1 penalty).
    case step(epoch: Int, step: Int, globalStep: Int, loss: Float)
    /// An epoch finished, with its metrics.
    case epochEnd(EpochMetrics)
}

/// What `Trainer.train` did.
public struct TrainingResult: Sendable {
    /// Metrics of every completed epoch, in order.
    public var epochs: [EpochMetrics]
    /// True if `isCancelled` stopped training early (the partial epoch has no metrics).
    public var cancelled: Bool
    /// Optimiser steps taken during this call.
    public var steps: Int
    /// Why the run was stopped early as diverged (the weights are then
    /// unusable), nil when it ran to the end or was cancelled.
    public var divergence: TrainingDivergence?

    public init(epochs: [EpochMetrics], cancelled: Bool, steps: Int, divergence: TrainingDivergence? = nil) {
        self.epochs = epochs
        self.cancelled = cancelled
        self.steps = steps
        self.divergence = divergence
    }
}
