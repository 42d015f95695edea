#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// Adam with bias correction, as `torch.optim.Adam` (L2 `weightDecay` added
/// to the gradient, not decoupled):
///
///     g  = grad + weightDecay * w
///     m  = beta1 * m + (1 - beta1) * g
///     v  = beta2 * v + (1 - beta2) * g^2
///     w -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + epsilon)
public final class Adam: Optimizer {
    public let config: OptimizerConfig
    public var learningRate: Float
    public var state: [String: Tensor] = [:]
    public var stepCount = 0
    /// Decay of the running mean of gradients.
    public let beta1: Float
    /// Decay of the running mean of squared gradients.
    public let beta2: Float
    /// Added to the denominator for numerical stability.
    public let epsilon: Float
    /// L2 penalty added to the gradient.
    public let weightDecay: Float

    /// Builds from an `.adam` configuration (an `.sgd` one gets Adam's defaults).
    public init(config: OptimizerConfig) {
        self.config = config
        self.learningRate = config.learningRate
        if case let .adam(_, b1, b2, eps, wd) = config {
            beta1 = b1; beta2 = b2; epsilon = eps; weightDecay = wd
        } else {
            beta1 = 0.9; beta2 = 0.999; epsilon = 1e-8; weightDecay = 0
        }
    }

    public func step(_ parameters: [Parameter]) {
        stepCount += 1
        let t = Double(stepCount)
        let bc1 = 1 - pow(Double(beta1), t)
        let bc2 = 1 - pow(Double(beta2), t)
        let stepSize = Float(Double(learningRate) / bc1)
        let bc2Sqrt = Float(bc2.squareRoot())
        let b1 = beta1, b2 = beta2, eps = epsilon, wd = weightDecay
        for p in parameters {
            p.maskGradient()
            let mKey = p.name + ".exp_avg", vKey = p.name + ".exp_avg_sq"
            _ = state.prepareBuffer(mKey, like: p)
            _ = state.prepareBuffer(vKey, like: p)
            var m = state.removeValue(forKey: mKey) ?? Tensor.zeros(p.value.shape)
            var v = state.removeValue(forKey: vKey) ?? Tensor.zeros(p.value.shape)
            p.grad.data.withUnsafeBufferPointer { g in
                p.value.data.withUnsafeMutableBufferPointer { w in
                    m.data.withUnsafeMutableBufferPointer { mp in
                        v.data.withUnsafeMutableBufferPointer { vp in
                            zeroMasked(mp, mask: p.mask)
                            zeroMasked(vp, mask: p.mask)
                            for i in 0..<w.count {
                                let gi = g[i] + wd * w[i]
                                let mi = b1 * mp[i] + (1 - b1) * gi
                                let vi = b2 * vp[i] + (1 - b2) * gi * gi
                                mp[i] = mi
                                vp[i] = vi
                                w[i] -= stepSize * mi / (vi.squareRoot() / bc2Sqrt + eps)
                            }
                            zeroMasked(mp, mask: p.mask)
                            zeroMasked(vp, mask: p.mask)
                        }
                    }
                }
            }
            state[mKey] = m
            state[vKey] = v
            p.applyMask()
        }
    }
}
