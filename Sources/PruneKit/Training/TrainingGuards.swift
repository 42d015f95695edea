/// Settings that cannot train a model, said before a run starts, and runs
/// that blow up, stopped before their weights are written or recorded.
extension OptimizerConfig {
    /// The first hyper-parameter outside the range where training makes
    /// sense, as (field name as in `model.json`, problem); nil when all are
    /// plausible. Momentum and Adam's betas must lie in [0, 1) (at 1 or
    /// more the update grows without bound), weight decay in [0, 1), the
    /// learning rate and epsilon must be positive and finite.
    public var implausibleSetting: (field: String, problem: String)? {
        func fraction(_ v: Float) -> Bool { v.isFinite && v >= 0 && v < 1 }
        let lr = learningRate
        guard lr.isFinite, lr > 0 else { return ("learningRate", "\(lr) must be a positive number") }
        switch self {
        case let .sgd(_, momentum, weightDecay):
            guard fraction(momentum) else { return ("momentum", "\(momentum) must be in [0, 1); at 1 or more SGD diverges") }
            guard fraction(weightDecay) else { return ("weightDecay", "\(weightDecay) must be in [0, 1)") }
        case let .adam(_, beta1, beta2, epsilon, weightDecay):
            guard fraction(beta1) else { return ("beta1", "\(beta1) must be in [0, 1)") }
            guard fraction(beta2) else { return ("beta2", "\(beta2) must be in [0, 1)") }
            guard epsilon.isFinite, epsilon > 0 else { return ("epsilon", "\(epsilon) must be a positive number") }
            guard fraction(weightDecay) else { return ("weightDecay", "\(weightDecay) must be in [0, 1)") }
        }
        return nil
    }

    /// Throws `PruningError` naming the option of `implausibleSetting`:
    /// `options` maps field names to command-line options (`momentum` ->
    /// `--momentum`); unmapped fields are prefixed with `prefix`.
    public func checkPlausible(options: [String: String] = [:], prefix: String = "") throws {
        guard let (field, problem) = implausibleSetting else { return }
        throw PruningError(options[field] ?? prefix + field, problem)
    }
}

/// Why a training run was stopped: the loss or the weights stopped being
/// numbers, or the loss grew far beyond where it started.
public struct TrainingDivergence: Error, CustomStringConvertible, Sendable, Equatable {
    /// Epoch (from 1) and step within it where the run was stopped.
    public var epoch: Int
    public var step: Int
    /// What was seen, e.g. "the loss is NaN".
    public var problem: String
    /// The learning rate of the run, for the advice.
    public var learningRate: Float

    public var description: String {
        "training diverged at epoch \(epoch) step \(step): \(problem); "
            + "lower the learning rate (it is \(learningRate)) or the momentum"
    }

    /// The loss of one step, checked against the run's first loss: not a
    /// number, infinite, or more than 100 times the first (and above 10)
    /// means divergence. Cross-entropy starts near ln(classes) and falls.
    static func check(loss: Float, first: Float?, epoch: Int, step: Int, learningRate: Float) -> TrainingDivergence? {
        if loss.isNaN { return TrainingDivergence(epoch: epoch, step: step, problem: "the loss is NaN", learningRate: learningRate) }
        if loss.isInfinite {
            return TrainingDivergence(epoch: epoch, step: step, problem: "the loss is infinite", learningRate: learningRate)
        }
        if let first, loss > 10, loss > 100 * first {
            return TrainingDivergence(
                epoch: epoch, step: step, problem: "the loss grew from \(first) to \(loss)", learningRate: learningRate)
        }
        return nil
    }

    /// The check at the end of an epoch: every parameter finite, and the
    /// epoch's last batch, run again through the updated weights, still
    /// within `check(loss:...)` (an epoch of one huge step shows only here).
    static func afterEpoch(
        model: Model, parameters: [Parameter], lastBatch: (Tensor, [Int])?, firstLoss: Float?,
        epoch: Int, step: Int, learningRate: Float
    ) -> TrainingDivergence? {
        if let name = nonFiniteParameter(parameters) {
            return TrainingDivergence(
                epoch: epoch, step: step, problem: "\(name) holds NaN or infinite values", learningRate: learningRate)
        }
        guard let (x, y) = lastBatch, !y.isEmpty else { return nil }
        let logits = model.forward(x, training: false)
        let loss = Float(SoftmaxCrossEntropy.lossSumAndCorrect(logits: logits, labels: y).lossSum / Double(y.count))
        return check(loss: loss, first: firstLoss, epoch: epoch, step: step, learningRate: learningRate)
    }

    /// The first parameter holding NaN or infinity, if any.
    static func nonFiniteParameter(_ parameters: [Parameter]) -> String? {
        for p in parameters {
            let bad = p.value.data.withUnsafeBufferPointer { values in values.contains { !$0.isFinite } }
            if bad { return p.name }
        }
        return nil
    }
}
