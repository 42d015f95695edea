/// Mini-batch training of a model with seeded shuffling, events and cancellation.
///
/// Each epoch shuffles the training set with a `SeededRandom` derived from
/// `config.seed` and the epoch number (and reseeds every `Dropout` layer the
/// same way), so two trainers with the same seed, model and data produce the
/// same losses bit for bit. A reference type: it owns the optimiser state and
/// the step counter across calls to `train`. Use it from one thread at a time.
public final class Trainer {
    /// The model being trained (updated in place).
    public let model: Model
    /// Hyper-parameters.
    public let config: TrainingConfig
    /// The optimiser (its state persists across `train` calls).
    public let optimizer: any Optimizer
    /// Optimiser steps taken so far by this trainer.
    public var globalStep: Int = 0
    /// Epochs completed so far; the next epoch is `epochsCompleted + 1`.
    public var epochsCompleted: Int = 0
    /// Called after every optimiser step with `globalStep`; the pruning
    /// engine's gradual schedule changes masks here.
    public var afterStep: ((Int) -> Void)?
    /// Network surgery: lets pruned weights follow the gradient and return
    /// (see `SplicingSettings`); `nil` keeps masks fixed.
    var splicer: Splicer?

    /// - Parameter optimizer: an existing optimiser (e.g. restored state);
    ///   `nil` makes a fresh one from `config.optimizer`.
    public init(model: Model, config: TrainingConfig, optimizer: (any Optimizer)? = nil) {
        self.model = model
        self.config = config
        self.optimizer = optimizer ?? makeOptimizer(config.optimizer)
    }

    /// Trains for `config.epochs` epochs on `train`, evaluating on
    /// `validation` after each epoch.
    ///
    /// - Parameters:
    ///   - onEvent: called synchronously on this thread after each step and
    ///     epoch; keep it cheap (hand the event to a queue).
    ///   - isCancelled: polled before every step; returning true stops
    ///     training and returns with `cancelled == true`.
    ///
    /// A step whose loss is not finite or far above the first one, or an
    /// epoch that leaves a parameter non-finite, stops the run: the result
    /// then carries `divergence` and the epoch has no metrics (the caller
    /// must not keep the weights).
    public func train(
        on train: Dataset, validation: Dataset?,
        onEvent: (TrainingEvent) -> Void = { _ in },
        isCancelled: () -> Bool = { false }
    ) -> TrainingResult {
        precondition(config.batchSize > 0, "batch size must be positive")
        let parameters = model.parameters
        let weights = parameters.filter { $0.role == .weight }
        let dropouts = model.layers.compactMap { $0 as? Dropout }
        var epochs: [EpochMetrics] = []
        var steps = 0
        var firstLoss: Float?
        var divergence: TrainingDivergence?
        var lastBatch: (Tensor, [Int])?
        let n = train.count
        let stepsPerEpoch = (n + config.batchSize - 1) / config.batchSize

        for _ in 0..<max(0, config.epochs) {
            let epoch = epochsCompleted + 1
            var rng = SeededRandom(seed: Trainer.mix(config.seed, UInt64(epoch)))
            let order = rng.permutation(n)
            for (i, layer) in dropouts.enumerated() {
                layer.reseed(Trainer.mix(config.seed ^ 0xD1B5_4A32_D192_ED03, UInt64(epoch) &* 1_000 &+ UInt64(i)))
            }
            var lossSum = 0.0
            var correct = 0
            for stepIndex in 0..<stepsPerEpoch where divergence == nil {
                if isCancelled() { return TrainingResult(epochs: epochs, cancelled: true, steps: steps) }
                let start = stepIndex * config.batchSize
                let end = min(n, start + config.batchSize)
                let (x, y) = train.batch(order[start..<end])
                lastBatch = (x, y)

                model.zeroGrad()
                let logits = model.forward(x, training: true)
                let (loss, gradLogits) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: y)
                model.backwardForParameters(gradLogits)
                if config.l1Lambda != 0 { Trainer.addL1Gradient(weights, lambda: config.l1Lambda) }
                splicer?.willStep()
                optimizer.step(parameters)
                splicer?.didStep(globalStep + 1)

                globalStep += 1
                steps += 1
                divergence = TrainingDivergence.check(
                    loss: loss, first: firstLoss, epoch: epoch, step: stepIndex + 1,
                    learningRate: config.optimizer.learningRate)
                if firstLoss == nil { firstLoss = loss }
                lossSum += Double(loss) * Double(end - start)
                let predicted = argmaxRows(logits)
                for (p, label) in zip(predicted, y) where p == label { correct += 1 }
                afterStep?(globalStep)
                onEvent(.step(epoch: epoch, step: stepIndex + 1, globalStep: globalStep, loss: loss))
            }
            if divergence == nil {
                divergence = TrainingDivergence.afterEpoch(
                    model: model, parameters: parameters, lastBatch: lastBatch, firstLoss: firstLoss,
                    epoch: epoch, step: stepsPerEpoch, learningRate: config.optimizer.learningRate)
            }
            if let divergence { return TrainingResult(epochs: epochs, cancelled: false, steps: steps, divergence: divergence) }
            var metrics = EpochMetrics(
                epoch: epoch,
                trainLoss: n > 0 ? Float(lossSum / Double(n)) : 0,
                trainAccuracy: n > 0 ? Double(correct) / Double(n) : 0)
            if let validation {
                let e = evaluate(model, on: validation)
                metrics.validationLoss = e.loss
                metrics.validationAccuracy = e.accuracy
            }
            epochsCompleted = epoch
            epochs.append(metrics)
            onEvent(.epochEnd(metrics))
        }
        return TrainingResult(epochs: epochs, cancelled: false, steps: steps)
    }

    /// `lambda * sum |w|` over the given parameters (the L1 penalty's value).
    public static func l1Penalty(_ weights: [Parameter], lambda: Float) -> Float {
        var total = 0.0
        for p in weights {
            p.value.data.withUnsafeBufferPointer { w in
                var s: Float = 0
                for v in w { s += abs(v) }
                total += Double(s)
            }
        }
        return Float(Double(lambda) * total)
    }

    /// Adds `lambda * sign(w)` to each parameter's gradient (sign(0) = 0).
    public static func addL1Gradient(_ weights: [Parameter], lambda: Float) {
        for p in weights {
            p.value.data.withUnsafeBufferPointer { w in
                p.grad.data.withUnsafeMutableBufferPointer { g in
                    for i in 0..<g.count {
                        let v = w[i]
                        if v > 0 { g[i] += lambda } else if v < 0 { g[i] -= lambda }
                    }
                }
            }
        }
    }

    /// Combines a seed and a counter into a new seed (SplitMix64 finaliser).
    static func mix(_ seed: UInt64, _ counter: UInt64) -> UInt64 {
        var x = seed &+ counter &* 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }
}
