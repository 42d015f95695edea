import CSparseKernels
import Synchronization

/// Which formats the Dense layers of a measured forward pass use.
public enum FormatPolicy: Sendable, Equatable {
    /// Every Dense layer in this format where it applies, dense elsewhere.
    case fixed(SparseFormat)
    /// Every Dense layer in the format measured fastest for it ("auto").
    case fastest
}

/// Dense layers' weights in chosen formats, ready for `SparseInference.forward`.
public struct InferencePlan: Sendable {
    /// Kernels by weight tensor name; Dense layers not listed run as they are.
    public var kernels: [String: any SparseKernel]
    /// Threads the sparse kernels split rows over.
    public var threads: Int

    public init(kernels: [String: any SparseKernel], threads: Int = 1) {
        self.kernels = kernels
        self.threads = threads
    }
}

/// Runs models with sparse Dense layers and measures them against the dense
/// forward pass.
public enum SparseInference {
    /// The instructions the sparse kernels run on this CPU: "AVX-512F" (the
    /// batched products; single samples use AVX2), "AVX2+FMA" or "baseline".
    public static var kernelInstructions: String {
        psk_uses_avx512() != 0 ? "AVX-512F" : psk_uses_avx2() != 0 ? "AVX2+FMA" : "baseline"
    }

    /// Forward pass with every Dense layer's weight in CSR form (`matrices`
    /// keyed by weight name, e.g. from `compress`); other layers call `forward`.
    public static func forward(_ model: Model, _ input: Tensor, matrices: [String: any SparseKernel]) -> Tensor {
        forward(model, input, plan: InferencePlan(kernels: matrices))
    }

    /// Forward pass with the plan's kernels for Dense layers. Runs of Dense
    /// layers and element-wise activations (ReLU, Tanh, inference-mode
    /// Dropout) stay feature-major (`[features, batch]`), transposed once on
    /// entry and once on exit (no transposes at all for one sample).
    public static func forward(_ model: Model, _ input: Tensor, plan: InferencePlan) -> Tensor {
        var x = input
        var featureMajor = false
        let batch = input.shape.first ?? 1
        func enter() {
            guard !featureMajor else { return }
            let flat = x.reshaped([batch, x.count / max(batch, 1)])
            x = batch == 1 ? flat.reshaped([flat.count, 1]) : transposed2D(flat)
            featureMajor = true
        }
        func leave() {
            guard featureMajor else { return }
            x = batch == 1 ? x.reshaped([1, x.count]) : transposed2D(x)
            featureMajor = false
        }
        for layer in model.layers {
            if layer.kind == .dense, let w = layer.weight, let kernel = plan.kernels[w.name] {
                enter()
                x = kernel.multiplyFeatureMajor(x, bias: layer.bias?.value, threads: plan.threads)
            } else if featureMajor, [.relu, .tanh, .dropout].contains(layer.kind) {
                x = layer.forward(x, training: false)
            } else {
                leave()
                x = layer.forward(x, training: false)
            }
        }
        leave()
        return x
    }

    /// CSR matrices of every Dense weight.
    public static func compress(_ model: Model) -> [String: any SparseKernel] {
        var out = [String: any SparseKernel]()
        for layer in model.layers where layer.kind == .dense {
            if let w = layer.weight { out[w.name] = SparseMatrix(dense: w.value) }
        }
        return out
    }

    /// Whether any Dense weight has a zero: nothing to measure otherwise
    /// (an unpruned model has no sparse speed-up to show).
    public static func hasSparseDense(_ model: Model) -> Bool {
        model.layers.contains { layer in
            layer.kind == .dense && (layer.weight.map { Mask.zeroCount($0.value) > 0 } ?? false)
        }
    }

    /// Times dense vs sparse inference on `input` (`[batch] + inputShape`):
    /// each Dense layer gets a format by `policy` (for `.fastest`, measured
    /// layer by layer, or taken from `cache`), then `runs` paired runs of the
    /// whole forward pass give the median speed-up and its spread. Timing is
    /// reported, never asserted.
    ///
    /// - Parameters:
    ///   - threads: threads of the sparse kernels (default: as many as BLAS uses).
    ///   - cache: remembers each layer's choice for the same weights, batch and threads.
    public static func measure(
        _ model: Model, input: Tensor, runs: Int = 20, policy: FormatPolicy = .fastest, threads: Int? = nil,
        cache: FormatCache? = nil
    ) -> SparseInferenceTiming {
        let threads = max(1, threads ?? BLAS.threads)
        let batch = input.shape.first ?? 1
        var choices = [LayerFormatChoice]()
        var kernels = [String: any SparseKernel](), denseKernels = [String: any SparseKernel]()
        for layer in model.layers where layer.kind == .dense {
            guard let w = layer.weight else { continue }
            let choice = FormatChooser.choose(
                layer: layer.name, weight: w.name, values: w.value, batch: batch, runs: runs, threads: threads,
                policy: policy, cache: cache)
            choices.append(choice)
            kernels[w.name] = choice.format.kernel(for: w.value) ?? DenseWeights(dense: w.value)
            denseKernels[w.name] = DenseWeights(dense: w.value)
        }
        let plan = InferencePlan(kernels: kernels, threads: threads)
        // The dense baseline is the faster of the model's own pass (a
        // row-major GEMM per layer) and the sparse pass's own pipeline with
        // every layer dense (feature-major GEMMs): sparse must beat the best
        // dense layout, and a plan that keeps every layer dense reads ~1.0x.
        let densePlan = InferencePlan(kernels: denseKernels, threads: threads)
        let layouts = Stopwatch.paired(runs: max(5, runs / 4)) {
            _ = model.forward(input, training: false)
        } sparse: {
            _ = forward(model, input, plan: densePlan)
        }
        let baseline: DenseBaseline = layouts.speedup > 1 ? .featureMajor : .modelForward
        let dense: () -> Void =
            baseline == .featureMajor ? { _ = forward(model, input, plan: densePlan) } : { _ = model.forward(input, training: false) }
        let denseOut = model.forward(input, training: false)
        let sparseOut = forward(model, input, plan: plan)
        var diff: Float = 0
        for (a, b) in zip(denseOut.data, sparseOut.data) { diff = max(diff, abs(a - b)) }
        // A plan that keeps every layer dense is the dense pass: it runs as
        // the faster layout does rather than paying for the other one.
        let allDense = choices.allSatisfy { $0.format == .dense }
        let total = Stopwatch.paired(runs: runs, dense: dense) {
            if allDense { dense() } else { _ = forward(model, input, plan: plan) }
        }
        return SparseInferenceTiming(
            batch: batch, total: total, layers: choices, maxAbsDifference: diff, blasThreads: BLAS.threads,
            kernelThreads: threads, baseline: baseline)
    }
}
