import Foundation

/// `SparseInference.forward` with the lookups done once: each Dense layer's
/// kernel and bias found when compiled, element-wise activations applied in
/// place. Timing loops run one many times, where finding the layers again
/// every pass would be a good part of a few-microsecond batch-1 pass.
struct CompiledForward {
    enum Step {
        /// A Dense layer in the plan: `W xt + b` on feature-major activations.
        case product(any SparseKernel, bias: Tensor?)
        case relu, tanh
        /// Any other layer, on row-major activations.
        case layer(any Layer)
    }

    let steps: [Step]
    let threads: Int

    init(_ model: Model, plan: InferencePlan) {
        var steps = [Step]()
        for layer in model.layers {
            switch layer.kind {
            case .dense:
                if let w = layer.weight, let kernel = plan.kernels[w.name] {
                    steps.append(.product(kernel, bias: layer.bias?.value))
                } else {
                    steps.append(.layer(layer))
                }
            case .relu: steps.append(.relu)
            case .tanh: steps.append(.tanh)
            // Inference-mode dropout passes its input through.
            case .dropout: continue
            default: steps.append(.layer(layer))
            }
        }
        self.steps = steps
        threads = plan.threads
    }

    /// Runs of products and activations stay feature-major (`[features,
    /// batch]`), transposed once on entry and once on exit (no transposes at
    /// all for one sample).
    func run(_ input: Tensor) -> Tensor {
        var x = input
        var isFeatureMajor = false
        let batch = input.shape.first ?? 1
        for step in steps {
            switch step {
            case .product(let kernel, let bias):
                if !isFeatureMajor {
                    x = featureMajor(x, batch: batch, features: x.count / max(batch, 1))
                    isFeatureMajor = true
                }
                x = kernel.multiplyFeatureMajor(x, bias: bias, threads: threads)
            // Branch-free (a select the compiler vectorises: half the values are
            // negative at random); NaN passes through, as in `ReLU.forward`.
            case .relu:
                x.data.withUnsafeMutableBufferPointer { v in
                    for i in v.indices {
                        let a = v[i]
                        v[i] = a < 0 ? 0 : a
                    }
                }
            case .tanh: x.data.withUnsafeMutableBufferPointer { v in for i in v.indices { v[i] = tanhf(v[i]) } }
            case .layer(let layer):
                if isFeatureMajor {
                    x = rowMajor(x, batch: batch)
                    isFeatureMajor = false
                }
                x = layer.forward(x, training: false)
            }
        }
        return isFeatureMajor ? rowMajor(x, batch: batch) : x
    }
}
