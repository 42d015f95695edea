/// The settings a schedule uses when the person running it gives none: one
/// place for the command line and the explorer, so both run the same
/// schedule from the same defaults, and the defaults always fit the run.
public enum ScheduleDefaults {
    /// Prune-retrain rounds of the iterative and lottery schedules.
    public static let rounds = 3
    /// Epochs of each retraining (for gradual: of its one training run).
    public static let retrainEpochs = 1
    /// Gradual: sparsity before the first mask update (s_i).
    public static let gradualInitialSparsity = 0.0
    /// Gradual: optimiser step of the first mask update (t0, counted from 1).
    public static let gradualStartStep = 1
    /// Gradual: mask updates after the first (n), fewer when the run is too short.
    public static let gradualUpdates = 5
    /// Gradual: the share of the training run the mask updates spread over;
    /// the rest fine-tunes at the final sparsity (Zhu & Gupta let the
    /// network recover after the last update).
    public static let gradualPruningShare = 0.8
    /// Lottery: rewind survivors to the weights after this many steps (0 = init).
    public static let lotteryRewindIteration = 0
    /// Adaptive: the accuracy (fraction, 0.01 = one point) the schedule may
    /// lose against its start.
    public static let adaptiveMaxDrop = 0.01
    /// Adaptive: the fraction of the remaining weights the first step prunes.
    public static let adaptiveInitialStep = 0.5
    /// Adaptive: the schedule stops when a step would prune less than this
    /// fraction of the remaining weights.
    public static let adaptiveMinimumStep = 0.02
    /// Adaptive: prune-retrain attempts at most (successes and back-offs).
    public static let adaptiveMaxAttempts = 10

    /// Optimiser steps in one epoch: ceil(samples / batchSize), 0 without samples.
    public static func stepsPerEpoch(samples: Int, batchSize: Int) -> Int {
        guard samples > 0 else { return 0 }
        return (samples + max(batchSize, 1) - 1) / max(batchSize, 1)
    }

    /// Gradual mask-update spacing (dt) and count (n) that fit a training run
    /// of `epochs` x `stepsPerEpoch` optimiser steps from `gradualStartStep`:
    /// up to `gradualUpdates` updates spread over the first
    /// `gradualPruningShare` of the run, so the last lands before the end.
    /// Always `frequency >= 1` and `updates >= 1`; a run of a single step
    /// cannot hold an update after t0 (`gradualEpochs` says how long is needed).
    ///
    /// For example 63 steps per epoch and 1 epoch give (frequency 9, updates 5):
    /// updates at steps 1, 10, ..., 46 of 63.
    public static func gradual(stepsPerEpoch: Int, epochs: Int) -> (frequency: Int, updates: Int) {
        let total = max(0, stepsPerEpoch) * max(0, epochs)
        let room = max(1, Int(Double(total) * gradualPruningShare) - gradualStartStep)
        let updates = max(1, min(gradualUpdates, room))
        return (frequency: max(1, room / updates), updates: updates)
    }

    /// The fewest whole epochs of `stepsPerEpoch` steps that hold every
    /// gradual mask update, the last at step `startStep + updates * frequency`.
    /// Returns at least 1.
    public static func gradualEpochs(
        frequency: Int, updates: Int, stepsPerEpoch: Int,
        startStep: Int = gradualStartStep
    ) -> Int {
        let lastUpdate = startStep + max(0, updates) * max(0, frequency)
        let perEpoch = max(1, stepsPerEpoch)
        return max(1, (lastUpdate + perEpoch - 1) / perEpoch)
    }
}
