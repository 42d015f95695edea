/// Stochastic gradient descent with PyTorch's update rule (`torch.optim.SGD`,
/// no dampening, no Nesterov):
///
///     g = grad + weightDecay * w
///     buf = g                       (first step)
///     buf = momentum * buf + g      (later steps)
///     w  -= learningRate * buf      (or * g without momentum)
public final class SGD: Optimizer {
    public let config: OptimizerConfig
    public var learningRate: Float
    public var state: [String: Tensor] = [:]
    public var stepCount = 0
    /// Momentum factor; 0 keeps no state.
    public let momentum: Float
    /// L2 penalty added to the gradient.
    public let weightDecay: Float

    /// Builds from an `.sgd` configuration (an `.adam` one is read for its learning rate only).
    public init(config: OptimizerConfig) {
        self.config = config
        self.learningRate = config.learningRate
        if case let .sgd(_, momentum, weightDecay) = config {
            self.momentum = momentum
            self.weightDecay = weightDecay
        } else {
            self.momentum = 0
            self.weightDecay = 0
        }
    }

    public func step(_ parameters: [Parameter]) {
        stepCount += 1
        let lr = learningRate, mu = momentum, wd = weightDecay
        for p in parameters {
            p.maskGradient()
            if mu != 0 {
                let key = p.name + ".momentum"
                let fresh = state.prepareBuffer(key, like: p)
                var buffer = state.removeValue(forKey: key) ?? Tensor.zeros(p.value.shape)
                p.grad.data.withUnsafeBufferPointer { g in
                    p.value.data.withUnsafeMutableBufferPointer { w in
                        buffer.data.withUnsafeMutableBufferPointer { buf in
                            zeroMasked(buf, mask: p.mask)
                            if fresh {
                                for i in 0..<w.count {
                                    let gi = g[i] + wd * w[i]
                                    buf[i] = gi
                                    w[i] -= lr * gi
                                }
                            } else {
                                for i in 0..<w.count {
                                    let b = mu * buf[i] + (g[i] + wd * w[i])
                                    buf[i] = b
                                    w[i] -= lr * b
                                }
                            }
                            zeroMasked(buf, mask: p.mask)
                        }
                    }
                }
                state[key] = buffer
            } else {
                p.grad.data.withUnsafeBufferPointer { g in
                    p.value.data.withUnsafeMutableBufferPointer { w in
                        for i in 0..<w.count { w[i] -= lr * (g[i] + wd * w[i]) }
                    }
                }
            }
            p.applyMask()
        }
    }
}
