import Foundation

/// Which optimiser to train with and its hyper-parameters; stored in
/// training records and session files.
public enum OptimizerConfig: Codable, Sendable, Equatable {
    /// Stochastic gradient descent with PyTorch's momentum and weight-decay rule.
    case sgd(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0)
    /// Adam with bias correction; `weightDecay` is L2 added to the gradient
    /// (as `torch.optim.Adam`, not AdamW).
    case adam(
        learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0)

    /// The configured learning rate.
    public var learningRate: Float {
        switch self {
        case let .sgd(lr, _, _): return lr
        case let .adam(lr, _, _, _, _): return lr
        }
    }

    /// Short human-readable summary, e.g. "SGD lr 0.05 momentum 0.9".
    public var summary: String {
        // Six significant digits: a rate computed in Float (0.01 / 10) reads
        // 0.001, not its shortest exact form 0.0009999999.
        func g(_ x: Float) -> String { String(format: "%g", Double(x)) }
        switch self {
        case let .sgd(lr, momentum, wd):
            var s = "SGD lr \(g(lr))"
            if momentum != 0 { s += " momentum \(g(momentum))" }
            if wd != 0 { s += " weight decay \(g(wd))" }
            return s
        case let .adam(lr, b1, b2, eps, wd):
            var s = "Adam lr \(g(lr)) betas (\(g(b1)), \(g(b2))) eps \(g(eps))"
            if wd != 0 { s += " weight decay \(g(wd))" }
            return s
        }
    }
}

/// Updates parameters from their gradients.
///
/// `state` holds every per-parameter buffer under "<parameter name>.momentum"
/// (SGD) or "<parameter name>.exp_avg" / ".exp_avg_sq" (Adam), so a session
/// can save and restore an optimiser exactly, together with `stepCount`.
///
/// Masks: where `parameter.mask` is 0 the optimiser zeroes the gradient and
/// the state before updating and re-applies the mask afterwards, so a pruned
/// weight stays exactly 0 and momentum cannot revive it.
public protocol Optimizer: AnyObject {
    /// The hyper-parameters this optimiser was made from.
    var config: OptimizerConfig { get }
    /// Current learning rate (starts at `config.learningRate`; schedules may change it).
    var learningRate: Float { get set }
    /// Applies one update to each parameter from its `grad`.
    func step(_ parameters: [Parameter])
    /// Per-parameter buffers, keyed "<parameter name>.<buffer>".
    var state: [String: Tensor] { get set }
    /// Number of `step` calls so far (Adam's bias correction uses it).
    var stepCount: Int { get set }
}

/// A fresh optimiser for `config`.
public func makeOptimizer(_ config: OptimizerConfig) -> any Optimizer {
    switch config {
    case .sgd: return SGD(config: config)
    case .adam: return Adam(config: config)
    }
}

extension Parameter {
    /// Sets the gradient to 0 wherever the mask prunes.
    func maskGradient() {
        guard let mask else { return }
        precondition(mask.count == value.count, "mask of '\(name)' has shape \(mask.shape), the parameter \(value.shape)")
        grad.data.withUnsafeMutableBufferPointer { g in
            mask.data.withUnsafeBufferPointer { m in
                for i in 0..<g.count where m[i] == 0 { g[i] = 0 }
            }
        }
    }
}

extension Dictionary where Key == String, Value == Tensor {
    /// The state buffer `key` for `parameter`, created as zeros (and `fresh`
    /// set) if it is missing or has the wrong size.
    mutating func prepareBuffer(_ key: String, like parameter: Parameter) -> Bool {
        if let existing = self[key], existing.count == parameter.value.count { return false }
        self[key] = Tensor.zeros(parameter.value.shape)
        return true
    }
}

/// Zeroes `buffer` wherever `mask` is 0.
@inline(__always)
func zeroMasked(_ buffer: UnsafeMutableBufferPointer<Float>, mask: Tensor?) {
    guard let mask else { return }
    mask.data.withUnsafeBufferPointer { m in
        for i in 0..<buffer.count where m[i] == 0 { buffer[i] = 0 }
    }
}
